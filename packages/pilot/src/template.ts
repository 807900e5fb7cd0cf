/**
 * Notice templates: HTML with a small, logic-less placeholder language, chosen so that every
 * placeholder can be checked against the notice's data schema before anything is rendered.
 *
 * | syntax | meaning |
 * |---|---|
 * | `{{path}}` | the value at `path` (dotted property names), HTML-escaped; missing → empty |
 * | `{{path \| date}}` | a filter: `date` (`2026年11月22日`), `cn` (1 → 一), `text` (identity) |
 * | `{{#each path as name}}…{{/each}}` | repeat for each item of an array; `name` is the item, `@number` its 1-based position, `@index` its 0-based one |
 * | `{{#if path}}…{{else}}…{{/if}}` | a branch on a value (false, null, missing, `""`, `0`, `[]` are false) |
 *
 * There are no helpers, no partials and no raw (unescaped) output.
 */
import { PilotError } from './errors.js';

/** A position in the template (1-based). */
export interface TemplatePosition {
  readonly line: number;
  readonly column: number;
}

/** A reference to data: dotted segments, or a loop variable (`@index`, `@number`). */
export interface TemplateVar extends TemplatePosition {
  readonly type: 'var';
  /** e.g. `['claim', 'summary']` or `['@number']`. */
  readonly path: readonly string[];
  readonly filters: readonly string[];
  /** The text between the braces, trimmed. */
  readonly source: string;
}

/** A node of a parsed template (an immutable tagged union). */
export type TemplateNode =
  | { readonly type: 'text'; readonly value: string }
  | TemplateVar
  | (TemplatePosition & {
      readonly type: 'each';
      readonly path: readonly string[];
      readonly alias: string;
      readonly source: string;
      readonly body: readonly TemplateNode[];
    })
  | (TemplatePosition & {
      readonly type: 'if';
      readonly path: readonly string[];
      readonly source: string;
      readonly then: readonly TemplateNode[];
      readonly otherwise: readonly TemplateNode[];
    });

/** Filters a template may use, with the JSON type they accept. */
export const TEMPLATE_FILTERS = {
  date: 'string',
  cn: 'integer',
  text: 'any',
} as const;
export type TemplateFilter = keyof typeof TEMPLATE_FILTERS;

const IDENT = '[A-Za-z_][A-Za-z0-9_-]*';
const PATH_RE = new RegExp(`^(@index|@number|${IDENT}(?:\\.${IDENT})*)$`);
const ALIAS_RE = new RegExp(`^${IDENT}$`);

/**
 * Parses a template. Throws `PILOT_ERR_TEMPLATE_SYNTAX` (with the line and column in `args[1]`)
 * on an unclosed tag or block, an unknown block, or a malformed path.
 *
 * @example
 * ```ts
 * const nodes = parseTemplate('<p>{{#each claims as c}}{{@number | cn}}、{{c.summary}}{{/each}}</p>');
 * ```
 */
export function parseTemplate(source: string): readonly TemplateNode[] {
  type Frame = {
    kind: 'root' | 'each' | 'if';
    nodes: TemplateNode[];
    open?: TemplatePosition & { path: string[]; alias?: string; source: string };
    then?: TemplateNode[];
    elseSeen?: boolean;
  };
  const stack: Frame[] = [{ kind: 'root', nodes: [] }];
  const top = () => stack[stack.length - 1]!;
  let i = 0;
  const positionAt = (offset: number): TemplatePosition => {
    let line = 1;
    let lineStart = 0;
    for (let k = source.indexOf('\n'); k !== -1 && k < offset; k = source.indexOf('\n', k + 1)) {
      line++;
      lineStart = k + 1;
    }
    return { line, column: offset - lineStart + 1 };
  };
  const fail = (offset: number, what: string): never => {
    const pos = positionAt(offset);
    throw new PilotError('PILOT_ERR_TEMPLATE_SYNTAX', [
      `${what} (${pos.line}:${pos.column})`,
      `${pos.line}:${pos.column}`,
    ]);
  };
  const parsePath = (text: string, offset: number): string[] => {
    if (!PATH_RE.test(text)) fail(offset, `invalid path "${text}"`);
    return text.split('.');
  };
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open === -1) {
      top().nodes.push({ type: 'text', value: source.slice(i) });
      break;
    }
    if (open > i) top().nodes.push({ type: 'text', value: source.slice(i, open) });
    const close = source.indexOf('}}', open + 2);
    if (close === -1) fail(open, 'unclosed "{{"');
    const inner = source.slice(open + 2, close).trim();
    const pos = positionAt(open);
    i = close + 2;
    if (inner.startsWith('#each')) {
      const m = /^#each\s+(\S+)\s+as\s+(\S+)$/.exec(inner);
      if (m === null) fail(open, 'expected "{{#each path as name}}"');
      const [, path = '', alias = ''] = m ?? [];
      if (!ALIAS_RE.test(alias)) fail(open, `invalid loop variable "${alias}"`);
      stack.push({
        kind: 'each',
        nodes: [],
        open: { ...pos, path: parsePath(path, open), alias, source: inner },
      });
    } else if (inner.startsWith('#if')) {
      const m = /^#if\s+(\S+)$/.exec(inner);
      if (m === null) fail(open, 'expected "{{#if path}}"');
      stack.push({
        kind: 'if',
        nodes: [],
        open: { ...pos, path: parsePath(m?.[1] ?? '', open), source: inner },
      });
    } else if (inner === 'else') {
      const f = top();
      if (f.kind !== 'if' || f.elseSeen === true) fail(open, '"{{else}}" outside "{{#if}}"');
      f.then = f.nodes;
      f.nodes = [];
      f.elseSeen = true;
    } else if (inner === '/each' || inner === '/if') {
      const f = top();
      const kind = inner.slice(1);
      if (f.kind !== kind || f.open === undefined) fail(open, `unexpected "{{${inner}}}"`);
      stack.pop();
      const o = f.open!;
      if (f.kind === 'each') {
        top().nodes.push({
          type: 'each',
          line: o.line,
          column: o.column,
          path: o.path,
          alias: o.alias ?? '',
          source: o.source,
          body: f.nodes,
        });
      } else {
        const then = f.elseSeen === true ? (f.then ?? []) : f.nodes;
        const otherwise = f.elseSeen === true ? f.nodes : [];
        top().nodes.push({
          type: 'if',
          line: o.line,
          column: o.column,
          path: o.path,
          source: o.source,
          then,
          otherwise,
        });
      }
    } else if (
      inner.startsWith('#') ||
      inner.startsWith('/') ||
      inner.startsWith('>') ||
      inner.startsWith('!') ||
      inner.startsWith('{')
    ) {
      fail(open, `unsupported tag "{{${inner}}}"`);
    } else {
      const [head = '', ...rest] = inner.split('|').map((s) => s.trim());
      top().nodes.push({ type: 'var', ...pos, path: parsePath(head, open), filters: rest, source: inner });
    }
  }
  if (stack.length > 1) {
    const f = top();
    fail(
      source.length,
      `"{{${f.open?.source ?? ''}}}" at ${f.open?.line ?? 0}:${f.open?.column ?? 0} is not closed`,
    );
  }
  return stack[0]!.nodes;
}

/** Every `var`, `each` and `if` node of a template, depth-first, with the loop aliases in scope. */
export function* templateReferences(
  nodes: readonly TemplateNode[],
  scope: readonly { alias: string; path: readonly string[] }[] = [],
): Generator<{
  node: Exclude<TemplateNode, { type: 'text' }>;
  scope: readonly { alias: string; path: readonly string[] }[];
}> {
  for (const node of nodes) {
    if (node.type === 'text') continue;
    yield { node, scope };
    if (node.type === 'each')
      yield* templateReferences(node.body, [...scope, { alias: node.alias, path: node.path }]);
    if (node.type === 'if') {
      yield* templateReferences(node.then, scope);
      yield* templateReferences(node.otherwise, scope);
    }
  }
}

const CN_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 1 → 一, 10 → 十, 12 → 十二, 21 → 二十一, up to 99; other numbers as Arabic digits. */
export function chineseNumeral(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 99) return String(n);
  if (n < 10) return CN_DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : CN_DIGITS[tens]!}十${ones === 0 ? '' : CN_DIGITS[ones]!}`;
}

/** `2026-11-22` → `2026年11月22日` (other strings unchanged). */
export function chineseDate(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return m === null ? value : `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Env = ReadonlyMap<string, unknown>;

function lookup(path: readonly string[], data: unknown, env: Env): unknown {
  const [head = '', ...rest] = path;
  let value: unknown = env.has(head) ? env.get(head) : isRecord(data) ? data[head] : undefined;
  for (const key of rest) value = isRecord(value) ? value[key] : undefined;
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== false && v !== '' && v !== 0;
}

function applyFilter(name: string, value: unknown, where: TemplateVar): unknown {
  switch (name) {
    case 'date':
      return typeof value === 'string' ? chineseDate(value) : value;
    case 'cn':
      return typeof value === 'number' ? chineseNumeral(value) : value;
    case 'text':
      return value;
    default:
      throw new PilotError('PILOT_ERR_UNKNOWN_FILTER', [`${name} (${where.line}:${where.column})`]);
  }
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/**
 * Renders parsed nodes with data; every value is HTML-escaped. Check the data against the
 * notice's schema first (see `renderNotice`): this function only fills in what it is given.
 *
 * @example
 * ```ts
 * renderTemplate(parseTemplate('{{a.b | cn}}'), { a: { b: 3 } }); // '三'
 * ```
 */
export function renderTemplate(nodes: readonly TemplateNode[], data: unknown): string {
  const out: string[] = [];
  const walk = (list: readonly TemplateNode[], env: Env): void => {
    for (const node of list) {
      switch (node.type) {
        case 'text':
          out.push(node.value);
          break;
        case 'var': {
          let value = lookup(node.path, data, env);
          for (const f of node.filters) value = applyFilter(f, value, node);
          out.push(escapeHtml(show(value)));
          break;
        }
        case 'if':
          walk(truthy(lookup(node.path, data, env)) ? node.then : node.otherwise, env);
          break;
        case 'each': {
          const items = lookup(node.path, data, env);
          if (!Array.isArray(items)) break;
          items.forEach((item: unknown, index: number) => {
            const inner = new Map(env);
            inner.set(node.alias, item);
            inner.set('@index', index);
            inner.set('@number', index + 1);
            walk(node.body, inner);
          });
          break;
        }
      }
    }
  };
  walk(nodes, new Map());
  return out.join('');
}
