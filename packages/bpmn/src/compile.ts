/**
 * `compileBpmn`: BPMN 2.0 XML in, immutable executable graphs and coded problems out.
 */
import type { ProcessGraph } from './graph.js';
import { BPMN_CODES, renderMessage, type BpmnCode, type Lang, type Problem } from './errors.js';
import { compact, deepFreeze } from './freeze.js';
import { lintGraph, type LintOptions } from './lint.js';
import { CAMUNDA_NS, ZEEBE_NS, children, moddleFor, type Dialect, type ParseResult } from './moddle.js';
import { prescan, type PrescanResult } from './prescan.js';
import { NEUTRAL_TYPES, readDefinitions, readProcess, type RawProblem } from './read-process.js';
import { SHIDIAN_NS } from './shidian-descriptor.js';

const BPMN_MODEL_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

/**
 * Default limit on the input size (bytes, UTF-8): 2 MiB; with {@link DEFAULT_MAX_ELEMENTS} it keeps one file
 * within 2 s and 200 MB (see `docs/benchmarks.md`). Real models are well under 1 MiB.
 */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
/** Default limit on element nesting. */
export const DEFAULT_MAX_DEPTH = 200;
/** Default limit on the number of XML elements (diagram elements included). */
export const DEFAULT_MAX_ELEMENTS = 10_000;

/** Options of {@link compileBpmn}. */
export interface CompileOptions extends LintOptions {
  /** Refuse larger inputs with `BPMN_ERR_TOO_LARGE` (default {@link DEFAULT_MAX_BYTES}). */
  readonly maxBytes?: number;
  /** Refuse deeper element nesting with `BPMN_ERR_TOO_DEEP` (default {@link DEFAULT_MAX_DEPTH}). */
  readonly maxDepth?: number;
  /** Refuse inputs with more XML elements with `BPMN_ERR_TOO_MANY_ELEMENTS` (default {@link DEFAULT_MAX_ELEMENTS}). */
  readonly maxElements?: number;
  /** Language of `Problem.message` (default `'zh'`); `formatProblem` renders the other one. */
  readonly lang?: Lang;
}

/** Per-process verdict. */
export interface ProcessSummary {
  readonly id: string;
  readonly name?: string;
  /** True when neither the process nor the file has an error-severity problem. */
  readonly executable: boolean;
}

/**
 * The result of {@link compileBpmn}.
 *
 * - `processes`: a graph for every `<bpmn:process>` that has content, compiled as far as possible,
 *   **whether or not it is executable**: check {@link isExecutable} (or `summaries`) before running one.
 * - `summaries`: one per process, same order, with `executable`.
 * - `problems`: every problem, sorted by position (file-level problems, without `processId`, make
 *   every process of the file non-executable).
 * - `supported` / `unsupported`: the BPMN element types met (`bpmn:UserTask`, …), sorted.
 */
export interface CompileResult {
  readonly processes: readonly ProcessGraph[];
  readonly summaries: readonly ProcessSummary[];
  readonly problems: readonly Problem[];
  readonly supported: readonly string[];
  readonly unsupported: readonly string[];
  /** The extension dialect the file was read with. */
  readonly dialect: Dialect;
}

/**
 * True when the process exists in the result and has no error-severity problem (and the file has
 * no file-level error).
 *
 * @example
 * ```ts
 * const result = await compileBpmn(xml);
 * if (isExecutable(result, 'petition')) deploy(result.processes.find((p) => p.id === 'petition')!);
 * ```
 */
export function isExecutable(result: CompileResult, processId: string): boolean {
  return result.summaries.some((s) => s.id === processId && s.executable);
}

/** The executable process graphs of a result. */
export function executableProcesses(result: CompileResult): ProcessGraph[] {
  return result.processes.filter((p) => isExecutable(result, p.id));
}

/**
 * Reads, lints and compiles BPMN 2.0 XML (plain BPMN, Camunda 7 or Camunda 8 flavour, with the
 * `shidian:` extension). Never throws and never rejects: every failure is a {@link Problem}.
 * The result is deep-frozen, and compiling the same input twice gives byte-identical
 * `JSON.stringify` output.
 *
 * @example
 * ```ts
 * const result = await compileBpmn(readFileSync('petition.bpmn', 'utf8'), { requireForms: true });
 * for (const p of result.problems) console.log(p.code, p.elementId, p.line, p.message);
 * ```
 */
export async function compileBpmn(xml: string, options: CompileOptions = {}): Promise<CompileResult> {
  const lang = options.lang ?? 'zh';
  try {
    return await compile(xml, options, lang);
  } catch (err) {
    // Last line of defence: a bug must still come out as a coded problem, not a crash.
    return finish(lang, 'bpmn', undefined, [], [], new Set(), new Set(), [
      { code: 'BPMN_ERR_INTERNAL', params: { detail: firstLine(err) } },
    ]);
  }
}

async function compile(xml: string, options: CompileOptions, lang: Lang): Promise<CompileResult> {
  const fail = (code: BpmnCode, params?: Record<string, string>) =>
    finish(lang, 'bpmn', undefined, [], [], new Set(), new Set(), [compact({ code, params })]);
  if (typeof xml !== 'string') return fail('BPMN_ERR_NOT_XML', { detail: typeof xml });
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // Cheap upper bound first (a UTF-16 unit is at most 3 UTF-8 bytes), exact count only when needed.
  if (xml.length > maxBytes || (xml.length * 3 > maxBytes && Buffer.byteLength(xml, 'utf8') > maxBytes))
    return fail('BPMN_ERR_TOO_LARGE', {
      size: String(Buffer.byteLength(xml, 'utf8')),
      limit: String(maxBytes),
    });
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const scan = prescan(xml, maxDepth, maxElements);
  if (scan.hasDoctype) return fail('BPMN_ERR_DOCTYPE');
  if (scan.tooDeep) return fail('BPMN_ERR_TOO_DEEP', { limit: String(maxDepth) });
  if (scan.tooMany) return fail('BPMN_ERR_TOO_MANY_ELEMENTS', { limit: String(maxElements) });

  const raw: RawProblem[] = [];
  // A `shidian` prefix bound to another URI would make every shidian: attribute vanish silently.
  for (const [prefix, uri] of scan.namespaces) {
    if (uri !== SHIDIAN_NS && (prefix === 'shidian' || /shidian/i.test(uri)))
      raw.push({
        code: 'BPMN_ERR_SHIDIAN_INVALID',
        params: { attr: 'xmlns', value: uri, expected: SHIDIAN_NS },
      });
  }
  const dialect = chooseDialect(xml, scan, raw);
  let parsed: ParseResult;
  try {
    parsed = await moddleFor(dialect).fromXML(xml);
  } catch (err) {
    const detail = firstLine(err);
    return finish(lang, dialect, scan, [], [], new Set(), new Set(), [
      {
        code: /failed to parse document as <bpmn:Definitions>/.test(detail)
          ? 'BPMN_ERR_NOT_BPMN'
          : 'BPMN_ERR_NOT_XML',
        params: { detail },
      },
    ]);
  }
  const root = parsed.rootElement;
  if (root?.$type !== 'bpmn:Definitions') return fail('BPMN_ERR_NOT_BPMN');

  // Parser warnings (the pitfall: a dropped element shows up only here).
  for (const w of parsed.warnings) {
    const message = w.message ?? '';
    if (/duplicate ID/.test(message)) continue; // reported from the prescan, with every position
    const unknownAttr = /^unknown attribute <(.*)>/.exec(message);
    if (unknownAttr !== null) {
      raw.push(
        compact({
          code: 'BPMN_WARN_UNKNOWN_EXTENSION',
          elementId: w.element?.id,
          params: { name: unknownAttr[1] ?? '' },
        }),
      );
      continue;
    }
    const unresolved = /^unresolved reference <(.*)>/.exec(message);
    if (unresolved !== null) {
      raw.push(
        compact({
          code: 'BPMN_ERR_UNRESOLVED_REF',
          elementId: w.element?.id,
          params: { ref: unresolved[1] ?? '' },
        }),
      );
      continue;
    }
    raw.push({
      code: 'BPMN_WARN_XML_CONTENT',
      params: { detail: message.replace(/\s+/g, ' ').trim() },
      ...warningPosition(message),
    });
  }
  duplicateAndDroppedIds(scan, parsed, raw);

  const defs = readDefinitions(root);
  const supported = new Set<string>(['bpmn:Definitions']);
  const unsupported = new Set<string>();
  const graphs: ProcessGraph[] = [];
  const perProcess: RawProblem[][] = [];
  for (const el of children(root, 'rootElements')) {
    const type = el.$type;
    if (type === 'bpmn:Process') {
      if (children(el, 'flowElements').length === 0) {
        supported.add(type);
        continue; // an empty pool: nothing to run
      }
      const r = readProcess(el, defs, dialect);
      for (const t of r.supported) supported.add(t);
      for (const t of r.unsupported) unsupported.add(t);
      const problems = [...r.problems, ...lintGraph(r.graph, options)];
      graphs.push(r.graph);
      perProcess.push(problems);
      continue;
    }
    if (type === 'bpmn:Collaboration') {
      supported.add(type);
      for (const p of children(el, 'participants')) supported.add(p.$type);
      for (const a of children(el, 'artifacts')) supported.add(a.$type);
      for (const mf of children(el, 'messageFlows')) {
        supported.add(mf.$type);
        raw.push(
          compact({ code: 'BPMN_WARN_IGNORED_ELEMENT', elementId: mf.id, params: { type: mf.$type } }),
        );
      }
      for (const c of ['conversations', 'conversationLinks', 'choreographyRef'] as const) {
        for (const x of children(el, c)) {
          unsupported.add(x.$type);
          raw.push(
            compact({ code: 'BPMN_ERR_UNSUPPORTED_ELEMENT', elementId: x.id, params: { type: x.$type } }),
          );
        }
      }
      continue;
    }
    if (
      NEUTRAL_TYPES.has(type) ||
      type === 'bpmn:Interface' ||
      type === 'bpmn:EndPoint' ||
      type === 'bpmn:Resource' ||
      type === 'bpmn:PartnerRole' ||
      type === 'bpmn:PartnerEntity'
    ) {
      supported.add(type);
      continue;
    }
    unsupported.add(type);
    raw.push(compact({ code: 'BPMN_ERR_UNSUPPORTED_ELEMENT', elementId: el.id, params: { type } }));
  }
  if (graphs.length === 0) raw.push({ code: 'BPMN_WARN_NO_PROCESS' });
  return finish(lang, dialect, scan, graphs, perProcess, supported, unsupported, raw);
}

function chooseDialect(xml: string, scan: PrescanResult, raw: RawProblem[]): Dialect {
  let camunda: string | undefined;
  let zeebe: string | undefined;
  for (const [prefix, uri] of scan.namespaces) {
    if (uri === CAMUNDA_NS) camunda ??= prefix;
    if (uri === ZEEBE_NS) zeebe ??= prefix;
  }
  if (camunda === undefined && zeebe === undefined) return 'bpmn';
  if (camunda === undefined) return 'camunda8';
  if (zeebe === undefined) return 'camunda7';
  const uses = (prefix: string) => (prefix === '' ? 0 : xml.split(prefix + ':').length - 1);
  const chosen: Dialect = uses(zeebe) > uses(camunda) ? 'camunda8' : 'camunda7';
  raw.push({
    code: 'BPMN_WARN_MIXED_DIALECTS',
    params: { chosen: chosen === 'camunda8' ? 'Camunda 8 (zeebe)' : 'Camunda 7' },
  });
  return chosen;
}

/** Semantic BPMN tags whose element must survive parsing (everything with an id in the model namespace). */
function duplicateAndDroppedIds(scan: PrescanResult, parsed: ParseResult, raw: RawProblem[]): void {
  const bpmnPrefixes = new Set<string>();
  for (const [prefix, uri] of scan.namespaces) if (uri === BPMN_MODEL_NS) bpmnPrefixes.add(prefix);
  for (const [id, places] of scan.ids) {
    if (places.length > 1) {
      for (const at of places.slice(1))
        raw.push({
          code: 'BPMN_ERR_DUPLICATE_ID',
          elementId: id,
          params: { id },
          line: at.line,
          column: at.column,
        });
      continue;
    }
    const at = places[0]!;
    const colon = at.tag.indexOf(':');
    const prefix = colon === -1 ? '' : at.tag.slice(0, colon);
    if (!bpmnPrefixes.has(prefix)) continue;
    if (parsed.elementsById[id] === undefined)
      raw.push({
        code: 'BPMN_ERR_ELEMENT_DROPPED',
        elementId: id,
        params: { tag: at.tag },
        line: at.line,
        column: at.column,
      });
  }
}

function warningPosition(message: string): { line?: number; column?: number } {
  const m = /line: (\d+)\s+column: (\d+)/.exec(message);
  return m === null ? {} : { line: Number(m[1]) + 1, column: Number(m[2]) + 1 };
}

function firstLine(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  return (s.split('\n')[0] ?? s).slice(0, 300);
}

type Positioned = RawProblem;

function finish(
  lang: Lang,
  dialect: Dialect,
  scan: PrescanResult | undefined,
  graphs: ProcessGraph[],
  perProcess: RawProblem[][],
  supported: Set<string>,
  unsupported: Set<string>,
  fileLevel: Positioned[],
): CompileResult {
  // An element id → process id map, to attribute file-level problems about an element to its process.
  const owner = new Map<string, string>();
  const needOwners = fileLevel.some((p) => p.elementId !== undefined);
  for (const g of needOwners ? graphs : []) {
    owner.set(g.id, g.id);
    for (const id of Object.keys(g.nodes)) owner.set(id, g.id);
    for (const id of Object.keys(g.flows)) owner.set(id, g.id);
  }
  const toProblem = (p: Positioned, processId: string | undefined): Problem => {
    const info = BPMN_CODES[p.code];
    const params = p.params ?? {};
    const at = p.elementId === undefined ? undefined : scan?.ids.get(p.elementId)?.[0];
    return compact({
      code: p.code,
      severity: info.severity,
      elementId: p.elementId,
      processId,
      line: p.line ?? at?.line,
      column: p.column ?? at?.column,
      message: renderMessage(p.code, params, lang),
      params: p.params === undefined ? undefined : sortKeys(p.params),
    });
  };
  const problems: Problem[] = [];
  for (const p of fileLevel)
    problems.push(toProblem(p, p.elementId === undefined ? undefined : owner.get(p.elementId)));
  graphs.forEach((g, i) => {
    for (const p of perProcess[i] ?? []) problems.push(toProblem(p, g.id));
  });
  problems.sort(compareProblems);
  const fileError = problems.some((p) => p.severity === 'error' && p.processId === undefined);
  const summaries = graphs.map((g) =>
    compact({
      id: g.id,
      name: g.name,
      executable: !fileError && !problems.some((p) => p.severity === 'error' && p.processId === g.id),
    }),
  );
  return deepFreeze({
    processes: graphs,
    summaries,
    problems: dedupe(problems),
    supported: [...supported].sort(),
    unsupported: [...unsupported].sort(),
    dialect,
  });
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

function compareProblems(a: Problem, b: Problem): number {
  return (
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0) ||
    cmp(a.processId ?? '', b.processId ?? '') ||
    cmp(a.elementId ?? '', b.elementId ?? '') ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.code}\u0000${p.elementId ?? ''}\u0000${p.processId ?? ''}\u0000${p.line ?? ''}\u0000${p.column ?? ''}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
