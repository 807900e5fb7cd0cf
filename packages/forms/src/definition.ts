/**
 * The shape of a form definition as a pilot writes it: a JSON Schema 2020-12 for the data, an optional
 * UI schema, and optional FEEL rules. A plain JSON Schema is already a valid form.
 *
 * Field paths (in the UI schema, rules and permissions) are property names joined by dots, with `*`
 * for the items of an array: `petitioner.idNumber`, `claims.*.kind`.
 */
import type { LocalText } from './text.js';

/** A JSON Schema object (2020-12). Kept loose: ajv checks it. */
export type JsonSchema = { readonly [k: string]: unknown };

/** One section of the UI: a titled group of fields laid out on a grid. */
export interface UiSection {
  /** Id, referred to by permissions as `#id`. */
  readonly id: string;
  readonly title: LocalText;
  /** Field paths in display order; a path also covers the fields below it. */
  readonly fields: readonly string[];
  /** Grid columns (default 2). */
  readonly columns?: number;
  readonly help?: LocalText;
}

/** Display settings of one field. */
export interface UiField {
  readonly label?: LocalText;
  readonly help?: LocalText;
  readonly placeholder?: LocalText;
  /** Widget name: `text`, `textarea`, `select`, `radio`, `checkbox`, `date`, `division`, `idcard`, `phone`, `opinion`, … */
  readonly widget?: string;
  /** Grid columns the field spans. */
  readonly span?: number;
  /** Labels of enum values. */
  readonly enumLabels?: Readonly<Record<string, LocalText>>;
}

/** The UI schema. */
export interface UiSchema {
  readonly title?: LocalText;
  readonly sections?: readonly UiSection[];
  readonly fields?: Readonly<Record<string, UiField>>;
}

/**
 * A FEEL rule on one field (or a wildcard of fields in array items). Conditions are evaluated with the
 * whole form data as the context, plus `item` (the enclosing array item) and `index` (its 1-based
 * position) for fields inside arrays.
 *
 * @example
 * ```json
 * { "field": "claims.*.route", "visible": "item.kind = \"申诉\" or item.kind = \"求决\"" }
 * { "field": "headCount", "required": "collective = true" }
 * { "field": "claimCount", "compute": "count(claims)" }
 * ```
 */
export interface FormRule {
  readonly field: string;
  readonly visible?: string;
  readonly required?: string;
  readonly readonly?: string;
  readonly compute?: string;
}

/** A complete form definition. */
export interface FormDefinition {
  /** Stable id of the form (default: the schema `$id`, else `form`). */
  readonly id?: string;
  readonly schema: JsonSchema;
  readonly ui?: UiSchema;
  readonly rules?: readonly FormRule[];
}

/**
 * The `x-` vocabulary accepted in form schemas (everything else unknown is an error in strict mode).
 * - `x-sensitive`: `true` or a mask kind (`idcard`, `phone`, `name`, `address`, `text`): masked in views
 *   for roles that may not see sensitive data.
 * - `x-onHide`: `clear` (default) or `keep`: what happens to a value when a rule hides its field.
 * - `x-optionsSource`: a named source of options for a select (`units`, `roles`, `divisions:<code>`, …),
 *   filled in by the UI; validation does not depend on it.
 * - `x-divisionLevel`: `province | city | county | township` (or a list): a `cn-division` value must be
 *   a known code at one of these levels.
 */
export const X_KEYWORDS = ['x-sensitive', 'x-onHide', 'x-optionsSource', 'x-divisionLevel'] as const;
/** One of {@link X_KEYWORDS}. */
export type XKeyword = (typeof X_KEYWORDS)[number];

/** Mask kinds of `x-sensitive`. */
export type SensitiveKind = 'idcard' | 'phone' | 'name' | 'address' | 'text';
