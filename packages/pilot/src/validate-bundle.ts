/**
 * `validateBundle`: everything that must hold before a pilot bundle may be deployed. It lists every
 * problem it finds (it does not stop at the first), each with file, element and a stable code.
 *
 * Checks, in order: the manifest against `schemas/pilot.schema.json`; unique ids; statutory limits
 * not beyond the law; every referenced file present; every form compiles (`@shidian/forms`); every
 * BPMN file lints clean (`@shidian/bpmn`); cross-references (form bindings, candidate groups are roles,
 * candidate units are units, notice ids, stage tags, field-permission paths, escalation roles);
 * internal deadlines name real elements and are not longer than the statutory limit they tighten;
 * notice templates parse, every placeholder resolves in the notice's data schema, and decision
 * documents contain their required contents; metric formulas are FEEL.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { compileBpmn, STAGES, type GraphNode, type ProcessGraph, type Stage } from '@shidian/bpmn';
import {
  createCalendar,
  parsePeriod,
  pilotCalendarFromFiles,
  type Calendar,
  type Period,
} from '@shidian/calendar';
import { evaluate } from 'feelin';
import { isPlatformPath, MANIFEST_FILES, parseManifestText, type PilotBundle } from './bundle.js';
import { defaultFormCompiler, type FormCompiler } from './check-form.js';
import { PilotError } from './errors.js';
import {
  BODY_LIMITS,
  flattenUnits,
  PETITIONER_LIMITS,
  STATUTORY_DEFAULTS,
  type PilotManifest,
  type StatutoryLimit,
} from './manifest.js';
import { requiredNoticeContents } from './notice-contents.js';
import { platformSchemas, pilotManifestSchema } from './platform-schemas.js';
import { problem, type Problem } from './problem.js';
import {
  resolveSchemaPath,
  schemaRegistry,
  schemaTypes,
  type SchemaNode,
  type SchemaRegistry,
} from './schema-paths.js';
import { parseTemplate, templateReferences, TEMPLATE_FILTERS, type TemplateNode } from './template.js';

const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020;

/** Options of {@link validateBundle}. */
export interface ValidateOptions {
  /** Repository root holding the platform `schemas/` (default: this checkout). */
  readonly platformRoot?: string;
  /** Form compiler (default: `compileForm` of `@shidian/forms`). */
  readonly compileForm?: FormCompiler;
}

/** What a bundle compiles to, for callers that go on to deploy it. */
export interface ValidatedBundle {
  readonly manifest: PilotManifest;
  /** Process id → compiled graph (with the manifest's stage map applied to `stage`). */
  readonly graphs: ReadonlyMap<string, ProcessGraph>;
  /** Process id → the bundle file it came from. */
  readonly processFiles: ReadonlyMap<string, string>;
  /** The pilot's working-day calendar (national schedule plus its local days). */
  readonly calendar: Calendar;
  /**
   * The same calendar answering the year right after the holiday data provisionally
   * (`uncoveredYears: 'provisional'`), for runs under that policy (see `pilotDeadlineCalendar`).
   */
  readonly provisionalCalendar?: Calendar;
}

/** The result of {@link validateBundle}. */
export interface ValidationReport {
  /** True when no problem has severity `error`. */
  readonly ok: boolean;
  readonly manifestFile?: string;
  /** Every problem, in the order found (manifest, files, forms, processes, deadlines, notices, metrics). */
  readonly problems: readonly Problem[];
  /** Present when the manifest passed its schema. */
  readonly bundle?: ValidatedBundle;
}

let manifestValidator: ReturnType<Ajv2020['compile']> | undefined;

function manifestSchemaValidator(root?: string) {
  if (manifestValidator === undefined) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    manifestValidator = ajv.compile(pilotManifestSchema(root));
  }
  return manifestValidator;
}

function periodDays(p: Period): { min: number; max: number } {
  // Calendar days a period can span: working days are at least as many calendar days, and at most
  // that plus weekends plus one long holiday (a conservative bound for comparisons across kinds).
  if (p.kind === 'calendar') return { min: p.days, max: p.days + 7 };
  return { min: p.days, max: p.days + Math.ceil(p.days / 5) * 2 + 8 };
}

function tryPeriod(text: string): Period | undefined {
  try {
    return parsePeriod(text);
  } catch {
    return undefined;
  }
}

/** True when `a` is certainly not longer than `b`. */
function notLonger(a: Period, b: Period): boolean {
  if (a.kind === b.kind) return a.days <= b.days;
  return periodDays(a).max <= periodDays(b).min;
}

function pointerOf(err: ErrorObject): string {
  const extra =
    err.keyword === 'required' || err.keyword === 'additionalProperties'
      ? `/${String((err.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ?? (err.params as { additionalProperty?: string }).additionalProperty ?? '')}`
      : '';
  return `${err.instancePath}${extra}` || '/';
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a bundle. Never throws for bad content: every finding is a {@link Problem}.
 *
 * @example
 * ```ts
 * const report = await validateBundle(loadBundle('examples/qingshan'));
 * if (!report.ok) for (const p of report.problems) console.log(formatProblem(p));
 * ```
 */
export async function validateBundle(
  bundle: PilotBundle,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const problems: Problem[] = [];
  const files = bundle.files;

  // 1. The manifest.
  const present = MANIFEST_FILES.filter((m) => files.has(m));
  if (present.length === 0) {
    return { ok: false, problems: [problem('PILOT_ERR_MANIFEST_MISSING', '.')] };
  }
  const manifestFile = present[0]!;
  if (present.length > 1)
    problems.push(problem('PILOT_ERR_MANIFEST_AMBIGUOUS', manifestFile, [], { element: present.join(', ') }));
  let raw: unknown;
  try {
    raw = parseManifestText(manifestFile, files.get(manifestFile)!);
  } catch (err) {
    const linePos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    problems.push(
      problem('PILOT_ERR_MANIFEST_PARSE', manifestFile, [detail], {
        ...(linePos ? { line: linePos.line, column: linePos.col } : {}),
      }),
    );
    return { ok: false, manifestFile, problems };
  }
  const validate = manifestSchemaValidator(options.platformRoot);
  if (!validate(raw)) {
    let fatal = false;
    for (const err of validate.errors ?? []) {
      const at = pointerOf(err);
      const isStage = /^\/processes\/\d+\/stages?(\/|$)/.test(err.instancePath) && err.keyword === 'enum';
      if (isStage)
        problems.push(
          problem('PILOT_ERR_UNKNOWN_STAGE', manifestFile, [JSON.stringify(valueAt(raw, err.instancePath))], {
            element: at,
          }),
        );
      else {
        fatal = true;
        problems.push(
          problem('PILOT_ERR_MANIFEST_SCHEMA', manifestFile, [at, err.message ?? err.keyword], {
            element: at,
            cause: err.keyword,
          }),
        );
      }
    }
    // A stage typo alone does not stop the other checks (the bad stage is ignored); anything else does.
    if (fatal) return { ok: false, manifestFile, problems: dedupe(problems) };
  }
  const manifest = raw as PilotManifest;

  // 2. Unique ids.
  const roles = new Set<string>();
  const units = new Set<string>();
  const unique = (list: readonly { id: string }[], what: string, into?: Set<string>) => {
    const seen = into ?? new Set<string>();
    list.forEach((item, i) => {
      if (seen.has(item.id))
        problems.push(
          problem('PILOT_ERR_DUPLICATE_ID', manifestFile, [`${what} ${item.id}`], {
            element: `/${what}/${i}/id`,
          }),
        );
      seen.add(item.id);
    });
    return seen;
  };
  unique(manifest.roles, 'roles', roles);
  unique(flattenUnits(manifest.units), 'units', units);
  const formIds = unique(manifest.forms, 'forms');
  const noticeIds = unique(manifest.notices ?? [], 'notices');
  unique(manifest.metrics ?? [], 'metrics');
  unique(manifest.deadlines ?? [], 'deadlines');

  // 3. Statutory limits: the body's limits may be shortened, the petitioner's never.
  const statutory = { ...STATUTORY_DEFAULTS, ...(manifest.statutory ?? {}) };
  for (const [key, value] of Object.entries(manifest.statutory ?? {})) {
    if (key === 'maxRepresentatives') continue;
    const name = key as StatutoryLimit;
    const p = tryPeriod(String(value));
    const law = tryPeriod(STATUTORY_DEFAULTS[name]);
    if (p === undefined || law === undefined) {
      problems.push(
        problem('PILOT_ERR_PERIOD_INVALID', manifestFile, [String(value)], { element: `/statutory/${key}` }),
      );
      continue;
    }
    if (BODY_LIMITS.includes(name) && !notLonger(p, law))
      problems.push(
        problem(
          'PILOT_ERR_STATUTORY_LIMIT',
          manifestFile,
          [`${key} ${String(value)} > ${STATUTORY_DEFAULTS[name]}`],
          { element: `/statutory/${key}` },
        ),
      );
    if (PETITIONER_LIMITS.includes(name) && !notLonger(law, p))
      problems.push(
        problem(
          'PILOT_ERR_STATUTORY_LIMIT',
          manifestFile,
          [`${key} ${String(value)} < ${STATUTORY_DEFAULTS[name]}`],
          { element: `/statutory/${key}` },
        ),
      );
  }

  // 4. Referenced files.
  const need = (path: string | undefined, pointer: string): string | undefined => {
    if (path === undefined) return undefined;
    const text = files.get(path);
    if (text === undefined)
      problems.push(problem('PILOT_ERR_FILE_MISSING', manifestFile, [path], { element: pointer }));
    return text;
  };

  // Shared schemas: the platform's, plus every JSON schema of the bundle with an $id.
  const shared = platformSchemas(options.platformRoot);
  const bundleSchemas: SchemaNode[] = [];
  for (const [path, text] of files) {
    if (
      !path.endsWith('.json') ||
      isPlatformPath(path) ||
      MANIFEST_FILES.includes(path as (typeof MANIFEST_FILES)[number])
    )
      continue;
    const parsed = parseJson(text);
    if (parsed.ok && isObject(parsed.value) && typeof parsed.value.$id === 'string')
      bundleSchemas.push(parsed.value);
  }
  const registry: SchemaRegistry = schemaRegistry([...Object.values(shared), ...bundleSchemas]);

  // The calendar (local days, further years), checked by the calendar package itself.
  let calendar: Calendar;
  let provisionalCalendar: Calendar;
  try {
    if (typeof manifest.calendar === 'string') need(manifest.calendar, '/calendar');
    calendar = await pilotCalendarFromFiles(files);
    provisionalCalendar = await pilotCalendarFromFiles(files, { uncoveredYears: 'provisional' });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    problems.push(
      problem(
        'PILOT_ERR_CALENDAR_INVALID',
        manifestFile,
        [err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)],
        { element: '/calendar', ...(typeof code === 'string' ? { cause: code } : {}) },
      ),
    );
    calendar = createCalendar();
    provisionalCalendar = createCalendar({ uncoveredYears: 'provisional' });
  }

  // 5. Forms.
  const formSchemas = new Map<string, { schema: SchemaNode; file: string }>();
  const compileForm = options.compileForm ?? defaultFormCompiler;
  for (const [i, form] of manifest.forms.entries()) {
    const text = need(form.file, `/forms/${i}/file`);
    const uiText = need(form.ui, `/forms/${i}/ui`);
    if (text === undefined) continue;
    const parsed = parseJson(text);
    if (!parsed.ok || !isObject(parsed.value)) {
      problems.push(
        problem('PILOT_ERR_JSON_PARSE', form.file, [parsed.ok ? 'not an object' : parsed.error], {
          element: form.id,
        }),
      );
      continue;
    }
    let ui: unknown;
    if (uiText !== undefined) {
      const u = parseJson(uiText);
      if (!u.ok) problems.push(problem('PILOT_ERR_JSON_PARSE', form.ui!, [u.error], { element: form.id }));
      else ui = u.value;
    }
    formSchemas.set(form.id, { schema: parsed.value, file: form.file });
    const ownId = parsed.value.$id;
    const sharedForThis = Object.fromEntries(
      Object.entries(shared).filter(([, doc]) => ownId === undefined || doc.$id !== ownId),
    );
    try {
      await compileForm(
        ui === undefined ? { schema: parsed.value } : { schema: parsed.value, ui },
        sharedForThis,
      );
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const detail = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
      problems.push(
        problem('PILOT_ERR_FORM_INVALID', form.file, [detail], {
          element: form.id,
          ...(typeof code === 'string' ? { cause: code } : {}),
        }),
      );
    }
  }

  // 6. Processes.
  const graphs = new Map<string, ProcessGraph>();
  const processFiles = new Map<string, string>();
  const notices = new Set(noticeIds);
  for (const [i, proc] of manifest.processes.entries()) {
    const xml = need(proc.file, `/processes/${i}/file`);
    if (xml === undefined) continue;
    const result = await compileBpmn(xml, { requireForms: true, lang: 'zh' });
    for (const p of result.problems) {
      const where = {
        ...(p.elementId !== undefined ? { element: p.elementId } : {}),
        ...(p.line !== undefined ? { line: p.line } : {}),
        ...(p.column !== undefined ? { column: p.column } : {}),
        cause: p.code,
      };
      if (p.code === 'BPMN_ERR_SHIDIAN_INVALID' && p.params?.attr === 'stage')
        problems.push(problem('PILOT_ERR_UNKNOWN_STAGE', proc.file, [p.params.value ?? ''], where));
      else
        problems.push(
          problem('PILOT_ERR_BPMN_INVALID', proc.file, [p.message], { ...where, severity: p.severity }),
        );
    }
    const inFile = new Set<string>();
    for (const graph of result.processes) {
      if (graphs.has(graph.id)) {
        problems.push(
          problem(
            'PILOT_ERR_PROCESS_DUPLICATE',
            proc.file,
            [`${graph.id} (${processFiles.get(graph.id) ?? ''})`],
            { element: graph.id },
          ),
        );
        continue;
      }
      const staged = applyStages(graph, proc.stage, proc.stages ?? {});
      graphs.set(graph.id, staged);
      processFiles.set(graph.id, proc.file);
      for (const id of Object.keys(graph.nodes)) inFile.add(id);
      inFile.add(graph.id);
      for (const node of Object.values(graph.nodes)) crossCheck(node, proc.file);
    }
    for (const element of Object.keys(proc.stages ?? {})) {
      if (!inFile.has(element))
        problems.push(
          problem('PILOT_ERR_UNKNOWN_ELEMENT', manifestFile, [`${proc.file}#${element}`], {
            element: `/processes/${i}/stages/${element}`,
          }),
        );
    }
  }

  function crossCheck(node: GraphNode, file: string): void {
    const at = { element: node.id };
    if (node.kind === 'userTask') {
      for (const g of node.assignment.candidateGroups)
        if (!roles.has(g)) problems.push(problem('PILOT_ERR_UNKNOWN_ROLE', file, [g], at));
      for (const u of node.assignment.candidateUnits)
        if (u !== '$case' && !units.has(u)) problems.push(problem('PILOT_ERR_UNKNOWN_UNIT', file, [u], at));
    }
    if ((node.kind === 'userTask' || node.kind === 'startEvent') && node.form !== undefined) {
      const bound = formSchemas.get(node.form.ref);
      if (!formIds.has(node.form.ref))
        problems.push(problem('PILOT_ERR_FORM_BINDING', file, [node.form.ref], at));
      else if (node.kind === 'userTask' && bound !== undefined) {
        for (const perm of node.permissions) {
          if (perm.path.startsWith('#')) continue;
          const segments = perm.path.split('.');
          if (resolveSchemaPath(bound.schema, segments, registry).length === 0)
            problems.push(
              problem('PILOT_ERR_PERMISSION_PATH', file, [`${perm.path} → ${node.form.ref}`], at),
            );
        }
      }
    }
    if (node.stage !== undefined && !STAGES.includes(node.stage))
      problems.push(problem('PILOT_ERR_UNKNOWN_STAGE', file, [node.stage], at));
    for (const n of node.notices)
      if (!notices.has(n)) problems.push(problem('PILOT_ERR_UNKNOWN_NOTICE', file, [n], at));
    if (node.deadline !== undefined) {
      if (tryPeriod(node.deadline.period) === undefined)
        problems.push(problem('PILOT_ERR_PERIOD_INVALID', file, [node.deadline.period], at));
      if (node.deadline.escalateTo !== undefined && !roles.has(node.deadline.escalateTo))
        problems.push(problem('PILOT_ERR_UNKNOWN_ROLE', file, [node.deadline.escalateTo], at));
    }
  }

  // 7. Internal deadlines.
  for (const [i, d] of (manifest.deadlines ?? []).entries()) {
    const graph = graphs.get(d.process);
    if (graph === undefined || graph.nodes[d.element] === undefined) {
      problems.push(
        problem('PILOT_ERR_UNKNOWN_ELEMENT', manifestFile, [`${d.process}#${d.element}`], {
          element: `/deadlines/${i}`,
        }),
      );
    }
    const p = tryPeriod(d.period);
    if (p === undefined) {
      problems.push(
        problem('PILOT_ERR_PERIOD_INVALID', manifestFile, [d.period], { element: `/deadlines/${i}/period` }),
      );
      continue;
    }
    if (d.stricterThan !== undefined) {
      const law = tryPeriod(statutory[d.stricterThan]);
      if (law !== undefined && !notLonger(p, law))
        problems.push(
          problem(
            'PILOT_ERR_DEADLINE_NOT_STRICTER',
            manifestFile,
            [d.period, `${d.stricterThan} ${statutory[d.stricterThan]}`],
            { element: `/deadlines/${i}` },
          ),
        );
    }
  }

  // 8. Notices.
  for (const [i, notice] of (manifest.notices ?? []).entries()) {
    const template = need(notice.template, `/notices/${i}/template`);
    const dataText = need(notice.data, `/notices/${i}/data`);
    if (template === undefined || dataText === undefined) continue;
    const data = parseJson(dataText);
    if (!data.ok || !isObject(data.value)) {
      problems.push(
        problem('PILOT_ERR_JSON_PARSE', notice.data, [data.ok ? 'not an object' : data.error], {
          element: notice.id,
        }),
      );
      continue;
    }
    let nodes: readonly TemplateNode[];
    try {
      nodes = parseTemplate(template);
    } catch (err) {
      if (!(err instanceof PilotError)) throw err;
      const [line, column] = (err.args[1] ?? '').split(':').map(Number);
      problems.push(
        problem(err.code, notice.template, [err.args[0] ?? ''], {
          element: notice.id,
          ...(line ? { line } : {}),
          ...(column ? { column } : {}),
        }),
      );
      continue;
    }
    problems.push(...checkTemplate(nodes, data.value, registry, notice.template, notice.kind));
  }

  // 9. Metrics.
  for (const [i, m] of (manifest.metrics ?? []).entries()) {
    for (const key of ['numerator', 'denominator'] as const) {
      try {
        evaluate(m[key], {});
      } catch (err) {
        problems.push(
          problem(
            'PILOT_ERR_METRIC_FEEL',
            manifestFile,
            [`${m.id}.${key}: ${err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)}`],
            { element: `/metrics/${i}/${key}` },
          ),
        );
      }
    }
  }

  const all = dedupe(problems);
  return {
    ok: !all.some((p) => p.severity === 'error'),
    manifestFile,
    problems: all,
    bundle: { manifest, graphs, processFiles, calendar, provisionalCalendar },
  };
}

/** Checks every placeholder, loop and branch of a parsed template against the notice data schema. */
export function checkTemplate(
  nodes: readonly TemplateNode[],
  dataSchema: SchemaNode,
  registry: SchemaRegistry,
  file: string,
  kind?: string,
): Problem[] {
  const problems: Problem[] = [];
  const referenced = new Set<string>();
  for (const { node, scope } of templateReferences(nodes)) {
    const where = { element: `{{${node.source}}}`, line: node.line, column: node.column };
    const absolute = absolutePath(node.path, scope);
    if (absolute === undefined) {
      problems.push(problem('PILOT_ERR_PLACEHOLDER_UNRESOLVED', file, [node.source], where));
      continue;
    }
    if (absolute.length === 1 && absolute[0]!.startsWith('@')) {
      referenced.add(absolute[0]!);
    } else {
      const resolved = resolveSchemaPath(dataSchema, absolute, registry);
      if (resolved.length === 0) {
        problems.push(problem('PILOT_ERR_PLACEHOLDER_UNRESOLVED', file, [node.source], where));
        continue;
      }
      referenced.add(absolute.join('.'));
      const types = schemaTypes(resolved);
      if (node.type === 'each' && types.size > 0 && !types.has('array'))
        problems.push(
          problem('PILOT_ERR_PLACEHOLDER_UNRESOLVED', file, [`${node.source} (not an array)`], where),
        );
      if (node.type === 'var' && (types.has('object') || types.has('array')) && !types.has('string'))
        problems.push(
          problem('PILOT_ERR_PLACEHOLDER_UNRESOLVED', file, [`${node.source} (not a value)`], where),
        );
    }
    if (node.type === 'var') {
      for (const f of node.filters)
        if (!(f in TEMPLATE_FILTERS)) problems.push(problem('PILOT_ERR_UNKNOWN_FILTER', file, [f], where));
    }
  }
  if (kind !== undefined) {
    for (const path of requiredNoticeContents(kind)) {
      if (!referenced.has(path))
        problems.push(problem('PILOT_ERR_NOTICE_CONTENT_MISSING', file, [path], { element: path }));
    }
  }
  return problems;
}

/** A template path made absolute: loop aliases replaced by `<array path>.*`; undefined if `@…` is used outside a loop. */
function absolutePath(
  path: readonly string[],
  scope: readonly { alias: string; path: readonly string[] }[],
): string[] | undefined {
  const [head = '', ...rest] = path;
  if (head.startsWith('@')) return scope.length === 0 ? undefined : [head];
  for (let k = scope.length - 1; k >= 0; k--) {
    const s = scope[k]!;
    if (s.alias === head) {
      const base = absolutePath(s.path, scope.slice(0, k));
      return base === undefined ? undefined : [...base, '*', ...rest];
    }
  }
  return [...path];
}

function applyStages(
  graph: ProcessGraph,
  fileStage: Stage | undefined,
  stages: Readonly<Record<string, Stage>>,
): ProcessGraph {
  if (fileStage === undefined && Object.keys(stages).length === 0) return graph;
  const nodes: Record<string, GraphNode> = {};
  for (const [id, node] of Object.entries(graph.nodes)) {
    const mapped = stages[id];
    const stage =
      (mapped !== undefined && STAGES.includes(mapped) ? mapped : undefined) ??
      node.stage ??
      (fileStage !== undefined && STAGES.includes(fileStage) ? fileStage : undefined);
    nodes[id] = stage === undefined ? node : { ...node, stage };
  }
  return { ...graph, nodes };
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const seg of pointer.split('/').slice(1)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = Array.isArray(cur) ? cur[Number(key)] : isObject(cur) ? cur[key] : undefined;
  }
  return cur;
}

function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.code}|${p.file}|${p.element ?? ''}|${p.line ?? ''}|${p.message.en}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
