/**
 * Compiling a bundle's form through `@shidian/forms` (the same compiler the server uses), so that
 * validation refuses exactly the forms that would not run.
 */
import { compileForm } from '@shidian/forms';
import type { SchemaNode } from './schema-paths.js';

/** Compiles one form definition; throws (preferably an error with a `code`) when it does not compile. */
export type FormCompiler = (
  definition: { schema: SchemaNode; ui?: unknown },
  shared: Readonly<Record<string, SchemaNode>>,
) => Promise<void>;

/** The default compiler: `compileForm` of `@shidian/forms` with the platform's shared schemas. */
export const defaultFormCompiler: FormCompiler = async (definition, shared) => {
  await compileForm(
    (definition.ui === undefined ? definition.schema : definition) as Parameters<typeof compileForm>[0],
    { shared },
  );
};
