/**
 * JSON Schemas shared by several routes (registered once with `app.addSchema`, referenced by `$id`).
 * Route-specific schemas live beside their routes.
 *
 * @example
 * ```ts
 * app.get('/x', { schema: { response: { 200: okSchema, ...errorResponses(401, 404) } } }, handler);
 * ```
 */

/** The body of every error response. */
export const errorBodySchema = {
  $id: 'ErrorBody',
  type: 'object',
  description:
    'An error: stable `code` (see docs/api.md), a message in zh-CN or English (Accept-Language), optional details',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', example: 'API_ERR_CASE_NOT_FOUND' },
    message: { type: 'string' },
    details: {},
  },
} as const;

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** Response schema entries for the given error statuses (all `ErrorBody`). */
export function errorResponses(...statuses: ErrorStatus[]): Record<string, { $ref: 'ErrorBody#' }> {
  const out: Record<string, { $ref: 'ErrorBody#' }> = {};
  for (const s of statuses) out[String(s)] = { $ref: 'ErrorBody#' };
  return out;
}

/** The statuses every authenticated route can answer with. */
export const AUTHED: ErrorStatus[] = [400, 401, 403, 429];

/** A uuid path/query parameter. */
export const uuid = { type: 'string', format: 'uuid' } as const;

/** An identifier chosen by people (county, unit, pilot, process ids). */
export const slug = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
} as const;

/** An ISO 8601 timestamp. */
export const timestamp = { type: 'string', format: 'date-time' } as const;

/**
 * A nullable timestamp. A type list rather than `anyOf`: the same values, but fast-json-stringify
 * serialises it with a type check instead of running ajv on every value (`anyOf` made a 50-item inbox
 * page cost twice as much to serialise: 145 against 69 µs).
 */
export const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;

/** A nullable string (a type list, see {@link nullableTimestamp}). */
export const nullableString = { type: ['string', 'null'] } as const;

/** Free-form JSON object (form data, engine state excerpts). */
export const freeObject = { type: 'object', additionalProperties: true } as const;
