/**
 * The per-step permission overlay. A BPMN user task carries `FieldPermission[]`
 * (`UserTaskNode.permissions` in `@shidian/bpmn`); this module resolves it to one mode per field.
 *
 * Matching: an entry's `path` names a field or an ancestor of it, with `*` matching any one segment
 * (`claims.*.decision`, `petitioner.*`); `#id` names a UI section (a default for the fields in it);
 * `*` alone is the default for everything. The most specific entry wins: a longer path beats a
 * shorter (ancestor) one, fewer wildcards beat more, any path beats a section, a section beats `*`;
 * on a tie the later entry wins. `required` and `append` apply to the field itself; its descendants
 * get `edit`. A field no entry matches is `read` (or `edit` when the task lists no permissions at all).
 */
import { formError } from './errors.js';
import type { FieldIndex, FieldNode } from './field-tree.js';

/** Same shape as `FieldMode` in `@shidian/bpmn` (graph.ts). */
export type FieldMode = 'edit' | 'read' | 'hidden' | 'required' | 'append';
/** Same shape as `FieldPermission` in `@shidian/bpmn` (graph.ts). */
export interface FieldPermission {
  readonly path: string;
  readonly mode: FieldMode;
}

/** Every field mode. */
export const FIELD_MODES: readonly FieldMode[] = ['edit', 'read', 'hidden', 'required', 'append'];

/** The resolved overlay of one form for one task. */
export interface PermissionPlan {
  /** Mode of every field path. */
  readonly modes: ReadonlyMap<string, FieldMode>;
  /** Field paths where the field or something below it may be written. */
  readonly writableBelow: ReadonlySet<string>;
  /** Field paths whose whole subtree is plain `edit` / `required`: taken as submitted. */
  readonly allEdit: ReadonlySet<string>;
  /** Field paths with a sensitive field at or below them. */
  readonly sensitiveBelow: ReadonlySet<string>;
  /** Field paths in mode `required`, split into segments. */
  readonly required: readonly (readonly string[])[];
}

const plans = new WeakMap<FieldIndex, Map<string, PermissionPlan>>();
const byIdentity = new WeakMap<readonly FieldPermission[], { fields: FieldIndex; plan: PermissionPlan }>();

/** True for modes that allow writing. */
export function isWritable(mode: FieldMode): boolean {
  return mode === 'edit' || mode === 'required' || mode === 'append';
}

/**
 * Resolves permissions for a form's fields (memoised per form and permission list).
 * Throws `FORM_ERR_PERMISSION_INVALID` for an unknown mode, a path that matches no field, or an
 * unknown section.
 *
 * @example
 * ```ts
 * const plan = resolvePermissions(form.root, form.fields, [{ path: '*', mode: 'read' }, { path: 'claims.*.decision', mode: 'edit' }]);
 * plan.modes.get('claims.*.decision'); // 'edit'
 * ```
 */
export function resolvePermissions(
  root: FieldNode,
  fields: FieldIndex,
  permissions: readonly FieldPermission[],
): PermissionPlan {
  const same = byIdentity.get(permissions);
  if (same !== undefined && same.fields === fields) return same.plan;
  const key = JSON.stringify(permissions);
  let byKey = plans.get(fields);
  const hit = byKey?.get(key);
  if (hit !== undefined) {
    byIdentity.set(permissions, { fields, plan: hit });
    return hit;
  }
  const sections = new Set<string>();
  for (const f of fields.values()) if (f.section !== undefined) sections.add(f.section);
  const entries = permissions.map((p, i) => {
    if (p === null || typeof p !== 'object' || typeof p.path !== 'string' || !FIELD_MODES.includes(p.mode))
      throw formError('FORM_ERR_PERMISSION_INVALID', { at: `permissions.${i}` });
    if (p.path.startsWith('#')) {
      if (!sections.has(p.path.slice(1)))
        throw formError('FORM_ERR_PERMISSION_INVALID', {
          at: `permissions.${i}`,
          reason: `no such section: ${p.path}`,
        });
      return { kind: 'section' as const, section: p.path.slice(1), mode: p.mode, order: i };
    }
    const segs = p.path.split('.');
    if (p.path !== '*' && ![...fields.keys()].some((f) => f !== '' && matches(segs, f.split('.')))) {
      throw formError('FORM_ERR_PERMISSION_INVALID', {
        at: `permissions.${i}`,
        reason: `no such field: ${p.path}`,
      });
    }
    return { kind: 'path' as const, segs, global: p.path === '*', mode: p.mode, order: i };
  });
  const fallback: FieldMode = permissions.length === 0 ? 'edit' : 'read';
  const modes = new Map<string, FieldMode>();
  for (const [path, f] of fields) {
    if (path === '') continue;
    const segs = path.split('.');
    let best: { score: number; order: number; mode: FieldMode; self: boolean } | undefined;
    for (const e of entries) {
      let score: number;
      let self = false;
      if (e.kind === 'section') {
        if (f.section !== e.section) continue;
        score = 1;
      } else if (e.global) score = 0;
      else {
        if (e.segs.length > segs.length || !matches(e.segs, segs.slice(0, e.segs.length))) continue;
        self = e.segs.length === segs.length;
        score = 10 + e.segs.length * 100 - e.segs.filter((s) => s === '*').length;
      }
      if (best === undefined || score > best.score || (score === best.score && e.order > best.order))
        best = { score, order: e.order, mode: e.mode, self };
    }
    let mode = best?.mode ?? fallback;
    if ((mode === 'required' || mode === 'append') && best !== undefined && !best.self && best.score >= 10)
      mode = 'edit';
    modes.set(path, mode);
  }
  // Bottom-up summaries.
  const writableBelow = new Set<string>();
  const allEdit = new Set<string>();
  const sensitiveBelow = new Set<string>();
  const visit = (f: FieldNode): { writable: boolean; plain: boolean; sensitive: boolean } => {
    const mode = f.path === '' ? 'edit' : modes.get(f.path)!;
    let writable = isWritable(mode);
    let plain = mode === 'edit' || mode === 'required';
    let sensitive = f.sensitive !== undefined;
    for (const c of f.item === undefined ? f.children : [f.item]) {
      const r = visit(c);
      writable ||= r.writable;
      plain &&= r.plain;
      sensitive ||= r.sensitive;
    }
    if (writable) writableBelow.add(f.path);
    if (plain) allEdit.add(f.path);
    if (sensitive) sensitiveBelow.add(f.path);
    return { writable, plain, sensitive };
  };
  visit(root);
  const required = [...modes].filter(([, m]) => m === 'required').map(([p]) => p.split('.'));
  const plan: PermissionPlan = { modes, writableBelow, allEdit, sensitiveBelow, required };
  if (byKey === undefined) plans.set(fields, (byKey = new Map()));
  if (byKey.size > 256) byKey.clear();
  byKey.set(key, plan);
  byIdentity.set(permissions, { fields, plan });
  return plan;
}

function matches(pattern: readonly string[], segs: readonly string[]): boolean {
  if (pattern.length !== segs.length) return false;
  for (let i = 0; i < pattern.length; i++) if (pattern[i] !== '*' && pattern[i] !== segs[i]) return false;
  return true;
}
