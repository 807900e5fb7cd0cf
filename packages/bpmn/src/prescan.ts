/**
 * One cheap pass over the raw XML before it is handed to bpmn-moddle. It finds what the parser
 * does not tell us and guards it against hostile input:
 *
 * - the line/column of every element that carries an `id` (bpmn-moddle keeps no positions);
 * - every `xmlns` declaration (to pick the Camunda 7 or Camunda 8 descriptor);
 * - a `<!DOCTYPE` (refused: entities are never expanded, nothing external is ever fetched);
 * - the nesting depth (refused past a limit, so nothing downstream can exhaust the stack);
 * - the number of elements (refused past a limit, to bound time and memory).
 *
 * The scan is linear in the input, allocates little, and never throws.
 */

/** Where an element carrying an id starts (1-based line and column of its `<`). */
export interface IdPosition {
  readonly line: number;
  readonly column: number;
  /** Qualified tag name as written, e.g. `bpmn:userTask`. */
  readonly tag: string;
}

/** What {@link prescan} found. */
export interface PrescanResult {
  /** Every occurrence of every id, in document order (more than one means a duplicate). */
  readonly ids: ReadonlyMap<string, readonly IdPosition[]>;
  /** Namespace URIs declared anywhere in the file, by prefix (`''` for the default namespace). */
  readonly namespaces: ReadonlyMap<string, string>;
  readonly hasDoctype: boolean;
  /** Deepest element nesting seen (stops counting once past `maxDepth`). */
  readonly depth: number;
  readonly tooDeep: boolean;
  /** Start tags seen (stops counting once past `maxElements`). */
  readonly elements: number;
  readonly tooMany: boolean;
}

const ID_ATTR = /\sid\s*=\s*(["'])(.*?)\1/;
const XMLNS_ATTR = /\sxmlns(?::([\w.-]+))?\s*=\s*(["'])(.*?)\2/g;
/** The name of a start tag (sticky: from just after its `<`). */
const TAG_NAME = /[^ \t\n\r/>"']*/y;
/**
 * The rest of a start tag up to and including its `>` (sticky). Written as an unrolled loop (one
 * iteration per quoted value) so that it matches or fails in linear time with a small backtrack stack.
 */
const TAG_REST = /[^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>/y;

/**
 * Scans `xml` once. Stops early at a DOCTYPE, when nesting exceeds `maxDepth` or when there are more than
 * `maxElements` elements.
 *
 * @example
 * ```ts
 * const scan = prescan(xml, 200);
 * scan.ids.get('Task_1')?.[0]; // { line: 12, column: 5, tag: 'bpmn:userTask' }
 * ```
 */
export function prescan(xml: string, maxDepth: number, maxElements = Infinity): PrescanResult {
  const ids = new Map<string, IdPosition[]>();
  const namespaces = new Map<string, string>();
  let hasDoctype = false;
  let depth = 0;
  let maxSeen = 0;
  let tooDeep = false;
  let elements = 0;
  let tooMany = false;

  // Incremental line tracking: lines are counted only up to the positions we ask about.
  let line = 1;
  let lineStart = 0;
  let counted = 0;
  const positionOf = (pos: number): { line: number; column: number } => {
    let nl = xml.indexOf('\n', counted);
    while (nl !== -1 && nl < pos) {
      line++;
      lineStart = nl + 1;
      nl = xml.indexOf('\n', nl + 1);
    }
    counted = pos;
    return { line, column: pos - lineStart + 1 };
  };

  const n = xml.length;
  let i = xml.indexOf('<');
  while (i !== -1 && i < n) {
    const next = xml.charCodeAt(i + 1);
    if (next === 33 /* ! */) {
      if (xml.startsWith('<!--', i)) {
        const end = xml.indexOf('-->', i + 4);
        if (end === -1) break;
        i = xml.indexOf('<', end + 3);
        continue;
      }
      if (xml.startsWith('<![CDATA[', i)) {
        const end = xml.indexOf(']]>', i + 9);
        if (end === -1) break;
        i = xml.indexOf('<', end + 3);
        continue;
      }
      // <!DOCTYPE, <!ENTITY, … : never parsed.
      hasDoctype = true;
      break;
    }
    if (next === 63 /* ? */) {
      const end = xml.indexOf('?>', i + 2);
      if (end === -1) break;
      i = xml.indexOf('<', end + 2);
      continue;
    }
    if (next === 47 /* / */) {
      depth--;
      const end = xml.indexOf('>', i + 2);
      if (end === -1) break;
      i = xml.indexOf('<', end + 1);
      continue;
    }
    // A start tag: its name, then its end, skipping quoted attribute values (which may contain '>').
    TAG_NAME.lastIndex = i + 1;
    TAG_NAME.test(xml);
    const nameEnd = TAG_NAME.lastIndex;
    TAG_REST.lastIndex = nameEnd;
    if (!TAG_REST.test(xml)) break;
    const end = TAG_REST.lastIndex - 1;
    const selfClosing = xml.charCodeAt(end - 1) === 47;
    if (++elements > maxElements) {
      tooMany = true;
      break;
    }
    if (nameEnd < end) {
      const attrs = xml.slice(nameEnd, end);
      const id = attrs.includes('id') ? ID_ATTR.exec(attrs) : null;
      if (id !== null && id[2] !== undefined) {
        const pos = positionOf(i);
        const at: IdPosition = { line: pos.line, column: pos.column, tag: xml.slice(i + 1, nameEnd) };
        const list = ids.get(id[2]);
        if (list === undefined) ids.set(id[2], [at]);
        else list.push(at);
      }
      if (attrs.includes('xmlns')) {
        for (const m of attrs.matchAll(XMLNS_ATTR)) {
          if (m[3] !== undefined && !namespaces.has(m[1] ?? '')) namespaces.set(m[1] ?? '', m[3]);
        }
      }
    }
    const level = depth + 1;
    if (level > maxSeen) maxSeen = level;
    if (level > maxDepth) {
      tooDeep = true;
      break;
    }
    if (!selfClosing) depth = level;
    i = xml.indexOf('<', end + 1);
  }
  return { ids, namespaces, hasDoctype, depth: maxSeen, tooDeep, elements, tooMany };
}
