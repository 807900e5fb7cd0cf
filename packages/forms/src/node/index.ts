/**
 * `@shidian/forms/node`: the Node-only side of the forms package (reading files, generating types).
 */
export { loadForm, readFormDefinition, loadSharedSchemas, findSharedDir, readJsonFile } from './load-form.js';
export { generateTypes, generateType, typeSources, type GeneratedType } from './gen-types.js';
