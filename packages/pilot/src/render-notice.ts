/**
 * Rendering a notice (告知书 / 意见书) from its data: the data is checked against the notice's data
 * schema first, so a document is never printed with a required content missing.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { PilotError } from './errors.js';
import { platformSchemas } from './platform-schemas.js';
import type { SchemaNode } from './schema-paths.js';
import { parseTemplate, renderTemplate } from './template.js';

const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020;

/** A notice ready to render: its template source and its data schema. */
export interface NoticeSource {
  readonly template: string;
  readonly dataSchema: SchemaNode;
}

const validators = new WeakMap<SchemaNode, ValidateFunction>();

function validatorFor(schema: SchemaNode, platformRoot?: string): ValidateFunction {
  let v = validators.get(schema);
  if (v === undefined) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    for (const doc of Object.values(platformSchemas(platformRoot))) {
      const id = doc.$id;
      if (typeof id === 'string' && id !== schema.$id && ajv.getSchema(id) === undefined) ajv.addSchema(doc);
    }
    v = ajv.compile(schema);
    validators.set(schema, v);
  }
  return v;
}

/**
 * Checks `data` against the notice's data schema and renders the HTML document.
 *
 * @throws PilotError `PILOT_ERR_NOTICE_DATA_INVALID` (status 422) when the data does not match,
 *   `PILOT_ERR_TEMPLATE_SYNTAX` when the template does not parse.
 * @example
 * ```ts
 * const html = renderNotice({ template, dataSchema }, { documentNumber: '青信受〔2026〕12号', … });
 * ```
 */
export function renderNotice(
  source: NoticeSource,
  data: unknown,
  options: { platformRoot?: string } = {},
): string {
  const validate = validatorFor(source.dataSchema, options.platformRoot);
  if (!validate(data)) {
    const first = validate.errors?.[0];
    throw new PilotError('PILOT_ERR_NOTICE_DATA_INVALID', [first?.instancePath || '/', first?.message ?? '']);
  }
  return renderTemplate(parseTemplate(source.template), data);
}
