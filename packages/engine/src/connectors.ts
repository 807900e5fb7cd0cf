/**
 * Built-in pure connectors for service tasks. A connector sees the task's variables (after its
 * input mappings) and returns variables and effects; it never does I/O. Connectors that need the
 * database (e.g. `case.checkDuplicate`) are not built in: the engine turns them into external jobs
 * (`job.requested` → `job-completed`), run by the store.
 */
import type { Connector, Json, Variables } from './types.js';

/**
 * `notice.generate`: requests one notice per template named in the input variable `template`
 * (a string or a list of strings). Fails with `NO_TEMPLATE` when there is none.
 *
 * @example
 * <bpmn:serviceTask id="notify" shidian:connector="notice.generate">
 *   <!-- zeebe:input source="=&quot;受理告知书&quot;" target="template" -->
 */
export const noticeGenerate: Connector = (input) => {
  const t = input.variables.template;
  const templates =
    typeof t === 'string'
      ? [t]
      : Array.isArray(t)
        ? (t as Json[]).filter((x): x is string => typeof x === 'string')
        : [];
  if (templates.length === 0)
    return { ok: false, errorCode: 'NO_TEMPLATE', message: 'input variable `template` is missing' };
  return {
    ok: true,
    effects: templates.map((template) => ({
      type: 'notice.requested',
      template,
      node: input.node,
      variables: input.variables,
    })),
  };
};

/**
 * `assign.byRule`: picks the first rule whose `when` is true from the input variable `rules`
 * (a list of `{ when, unit?, group?, user? }`, usually built by a FEEL input mapping) and returns
 * `assignedUnit`, `assignedGroup`, `assignedUser`. Fails with `NO_RULE_MATCHED` when none matches.
 */
export const assignByRule: Connector = (input) => {
  const rules = input.variables.rules;
  if (!Array.isArray(rules))
    return { ok: false, errorCode: 'BAD_RULES', message: 'input variable `rules` must be a list' };
  for (const r of rules as Json[]) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) continue;
    const rule = r as { readonly [k: string]: Json };
    if (rule.when !== true) continue;
    const out: Variables = {};
    out.assignedUnit = typeof rule.unit === 'string' ? rule.unit : null;
    out.assignedGroup = typeof rule.group === 'string' ? rule.group : null;
    out.assignedUser = typeof rule.user === 'string' ? rule.user : null;
    return { ok: true, variables: out };
  }
  return { ok: false, errorCode: 'NO_RULE_MATCHED' };
};

/** The built-in connectors by name (a step context may override or add). */
export const builtinConnectors: Readonly<Record<string, Connector>> = {
  'notice.generate': noticeGenerate,
  'assign.byRule': assignByRule,
};
