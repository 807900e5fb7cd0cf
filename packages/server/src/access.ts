/**
 * Who is calling and what they may do. A principal holds role memberships per county (and
 * optionally per unit); a `province_reader` membership (held on a province row of `counties`) grants read
 * access to every county of that province. Every route asks {@link requireCounty} (or filters by
 * {@link readableCounties}) before touching data: a county the caller has no membership in
 * behaves as if the resource did not exist (404), a county they belong to without the needed role
 * answers 403.
 *
 * @example
 * ```ts
 * requireCounty(req.principal, caseRow.county_id, ['handler', 'reviewer'], 'API_ERR_CASE_NOT_FOUND');
 * ```
 */
import { apiError, type ApiErrorCode } from './errors.js';

/** Staff roles within a county (and optionally a unit), plus the province-level read role. */
export type Role =
  'registrar' | 'handler' | 'reviewer' | 'leader' | 'supervisor' | 'pilot-admin' | 'province_reader';

/** Every role, in the order the docs list them. */
export const ROLES: readonly Role[] = [
  'registrar',
  'handler',
  'reviewer',
  'leader',
  'supervisor',
  'pilot-admin',
  'province_reader',
];

/** The roles that work cases (everyone in a county except pure configuration admins). */
export const STAFF_ROLES: readonly Role[] = ['registrar', 'handler', 'reviewer', 'leader', 'supervisor'];
/** Roles that may read every case of their county. */
export const COUNTY_READ_ROLES: readonly Role[] = [
  'registrar',
  'handler',
  'reviewer',
  'leader',
  'supervisor',
  'pilot-admin',
];

/**
 * One county-level role grant; `unitId` null means the whole county. `role` is one of {@link ROLES}
 * or a pilot-specific role (e.g. `head`, `mediator`) that BPMN candidate groups name.
 */
export interface Membership {
  readonly countyId: string;
  readonly unitId: string | null;
  readonly role: string;
}

/** The authenticated caller of one request. */
export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly sessionId: string;
  /** How the request authenticated: a cookie session (CSRF-checked) or a bearer token. */
  readonly via: 'cookie' | 'bearer';
  /** County-level grants (province grants are resolved into {@link Principal.provinceCounties}). */
  readonly memberships: readonly Membership[];
  /** Counties readable through a `province_reader` grant on their province. */
  readonly provinceCounties: ReadonlySet<string>;
  /** Province ids the principal holds a `province_reader` grant on. */
  readonly provinces: readonly string[];
}

/** True when the principal may read `countyId` through a province grant. */
export function isProvinceReader(p: Principal, countyId: string): boolean {
  return p.provinceCounties.has(countyId);
}

/** The roles the principal holds in one county. */
export function rolesIn(p: Principal, countyId: string): Set<string> {
  const roles = new Set<string>();
  for (const m of p.memberships) if (m.countyId === countyId) roles.add(m.role);
  return roles;
}

/** The unit ids the principal works in for a county (null entry = whole county). */
export function unitsIn(p: Principal, countyId: string): Array<string | null> {
  return p.memberships.filter((m) => m.countyId === countyId).map((m) => m.unitId);
}

/** Counties where the principal holds one of `roles` (any role when omitted), plus, for reads, province counties. */
export function readableCounties(p: Principal, roles?: readonly string[]): string[] {
  const set = new Set<string>();
  for (const m of p.memberships) if (roles === undefined || roles.includes(m.role)) set.add(m.countyId);
  for (const c of p.provinceCounties) set.add(c);
  return [...set].sort();
}

/** What an access check allows. */
export type AccessMode = 'read' | 'write';

/**
 * Throws unless the principal may act in `countyId` with one of `roles`.
 * - no membership in the county (and not a province reader in `read` mode) → `notFound` (404)
 * - membership but none of the roles → `API_ERR_FORBIDDEN` (403); an empty `roles` list accepts any role
 * - province readers pass `read` checks and get 403 on `write` checks.
 *
 * @returns the roles held in that county (empty for a province reader).
 */
export function requireCounty(
  p: Principal,
  countyId: string,
  roles: readonly string[],
  notFound: ApiErrorCode,
  mode: AccessMode = 'write',
): Set<string> {
  const held = rolesIn(p, countyId);
  if (held.size === 0) {
    if (mode === 'read' && isProvinceReader(p, countyId)) return held;
    if (isProvinceReader(p, countyId)) throw apiError('API_ERR_FORBIDDEN', { need: roles });
    throw apiError(notFound);
  }
  if (roles.length === 0) return held;
  for (const r of roles) if (held.has(r)) return held;
  if (mode === 'read' && isProvinceReader(p, countyId)) return held;
  throw apiError('API_ERR_FORBIDDEN', { need: roles });
}
