/**
 * Compiled forms of deployments, cached by (county, deployment, form): deployments are immutable, so
 * a form compiles once per process. Platform schemas (`schemas/`) are the shared documents forms may
 * reference.
 *
 * @example
 * ```ts
 * const forms = new FormCache(store.db);
 * const form = await forms.get('huian', deploymentId, 'intake'); // CompiledForm | undefined
 * ```
 */
import type { Kysely } from 'kysely';
import type { Database } from '@shidian/store';
import { compileForm, type CompiledForm } from '@shidian/forms';
import { platformSchemas } from '@shidian/pilot';

const MAX_ENTRIES = 500;

/** A per-app cache of compiled deployment forms. */
export class FormCache {
  readonly #db: Kysely<Database>;
  readonly #cache = new Map<string, Promise<CompiledForm | undefined>>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The compiled form, or undefined when the deployment has no such form. */
  get(countyId: string, deploymentId: string, formId: string): Promise<CompiledForm | undefined> {
    const key = `${countyId}\u0000${deploymentId}\u0000${formId}`;
    let hit = this.#cache.get(key);
    if (hit === undefined) {
      if (this.#cache.size >= MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value as string);
      hit = this.#load(countyId, deploymentId, formId);
      this.#cache.set(key, hit);
      hit.catch(() => this.#cache.delete(key));
    }
    return hit;
  }

  async #load(countyId: string, deploymentId: string, formId: string): Promise<CompiledForm | undefined> {
    const row = await this.#db
      .selectFrom('deployment_forms')
      .select('schema')
      .where('county_id', '=', countyId)
      .where('deployment_id', '=', deploymentId)
      .where('form_id', '=', formId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const schema = row.schema as { $id?: unknown };
    const shared = Object.fromEntries(
      Object.entries(platformSchemas()).filter(([, doc]) => doc.$id === undefined || doc.$id !== schema.$id),
    );
    return compileForm(row.schema as Parameters<typeof compileForm>[0], { shared });
  }
}
