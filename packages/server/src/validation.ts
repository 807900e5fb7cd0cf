/**
 * Request validation: JSON bodies are validated strictly (no type coercion, unknown fields are
 * errors where a schema says `additionalProperties: false`, nothing is silently removed), while
 * query strings, path parameters and headers, which arrive as text, are coerced to the declared
 * types. Both use ajv with formats (`uuid`, `date-time`, …).
 *
 * @example
 * ```ts
 * app.setValidatorCompiler(requestValidatorCompiler());
 * ```
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const options: Options = {
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  };
  const ajv = new Ajv(options);
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'example' });
  return ajv;
}

/** The validator compiler of the app (see the module docs). */
export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    return ajv.compile(schema as object);
  };
}
