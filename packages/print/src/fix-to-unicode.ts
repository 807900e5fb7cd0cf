/**
 * Repairs the text layer of a PDF printed by Chromium so that copying and searching give the
 * ideographs that are shown.
 *
 * Noto CJK draws some CJK radicals and the ideographs they resemble with one glyph (青 and ⻘
 * U+2ED8, 山 and ⼭ U+2F2D, 见 and ⻅ U+2EC5). Chromium's PDF writer (Skia) names the *first* code
 * point of a glyph in each font's ToUnicode map, which is the radical: the page shows 青山县 and a
 * reader copies ⻘⼭县. This pass rewrites every ToUnicode map: a radical becomes its ideograph
 * (Kangxi radicals by Unicode NFKC, CJK radicals supplement by {@link RADICAL_IDEOGRAPHS}), ranges
 * that cover one are split, and the cross-reference table is rebuilt. Glyphs and layout are untouched.
 */
import { deflateSync, inflateSync } from 'node:zlib';

/** CJK radicals supplement (U+2E80–U+2EF3) → the ideograph drawn with the same glyph. */
export const RADICAL_IDEOGRAPHS: Readonly<Record<number, number>> = Object.freeze(
  Object.fromEntries(
    (
      [
        ['\u2E9F', '母'],
        ['\u2EA0', '民'],
        ['\u2EA9', '王'],
        ['\u2EAE', '竹'],
        ['\u2EC4', '西'],
        ['\u2EC5', '见'],
        ['\u2EC6', '角'],
        ['\u2EC8', '讠'],
        ['\u2EC9', '贝'],
        ['\u2ECB', '车'],
        ['\u2ED0', '钅'],
        ['\u2ED3', '长'],
        ['\u2ED4', '门'],
        ['\u2ED7', '雨'],
        ['\u2ED8', '青'],
        ['\u2ED9', '韦'],
        ['\u2EDA', '页'],
        ['\u2EDB', '风'],
        ['\u2EDC', '飞'],
        ['\u2EDD', '食'],
        ['\u2EE0', '饣'],
        ['\u2EE2', '马'],
        ['\u2EE3', '骨'],
        ['\u2EE4', '鬼'],
        ['\u2EE5', '鱼'],
        ['\u2EE6', '鸟'],
        ['\u2EE7', '卤'],
        ['\u2EE8', '麦'],
        ['\u2EE9', '黄'],
        ['\u2EEA', '黾'],
        ['\u2EEC', '齐'],
        ['\u2EEE', '齿'],
        ['\u2EF0', '龙'],
        ['\u2EF3', '龟'],
      ] as const
    ).map(([r, i]) => [r.codePointAt(0)!, i.codePointAt(0)!]),
  ),
);

/** The ideograph for a radical code point, or the code point itself. */
export function ideographOf(cp: number): number {
  if (cp >= 0x2f00 && cp <= 0x2fd5) return String.fromCodePoint(cp).normalize('NFKC').codePointAt(0) ?? cp;
  return RADICAL_IDEOGRAPHS[cp] ?? cp;
}

const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
const isRadical = (cp: number): boolean => ideographOf(cp) !== cp;

/** A destination `<XXXX>` that is one BMP code point: mapped when it is a radical. */
function fixDestination(dst: string): string {
  if (dst.length !== 4) return dst;
  const cp = Number.parseInt(dst, 16);
  return isRadical(cp) ? hex4(ideographOf(cp)) : dst;
}

/** Rewrites one ToUnicode CMap; returns undefined when nothing changes. */
export function fixCMap(cmap: string): string | undefined {
  let changed = false;
  const extra: string[] = [];
  let out = cmap.replace(/(\d+) beginbfchar\s*([\s\S]*?)endbfchar/g, (_all, _n: string, body: string) => {
    const entries = [...body.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)].map(
      ([, src = '', dst = '']) => {
        const fixed = fixDestination(dst);
        if (fixed !== dst) changed = true;
        return `<${src}> <${fixed}>`;
      },
    );
    return `${entries.length} beginbfchar\n${entries.join('\n')}\nendbfchar`;
  });
  out = out.replace(/(\d+) beginbfrange\s*([\s\S]*?)endbfrange/g, (_all, _n: string, body: string) => {
    const kept: string[] = [];
    for (const m of body.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])/g)) {
      const [, lo = '', hi = '', dst = ''] = m;
      if (dst.startsWith('[')) {
        const fixed = dst.replace(/<([0-9A-Fa-f]+)>/g, (_d, h: string) => `<${fixDestination(h)}>`);
        if (fixed !== dst) changed = true;
        kept.push(`<${lo}> <${hi}> ${fixed}`);
        continue;
      }
      const start = Number.parseInt(lo, 16);
      const end = Number.parseInt(hi, 16);
      const first = Number.parseInt(dst.slice(1, -1), 16);
      const width = lo.length;
      let covers = false;
      if (dst.length === 6) for (let i = 0; i <= end - start && !covers; i++) covers = isRadical(first + i);
      if (!covers) {
        kept.push(`<${lo}> <${hi}> ${dst}`);
        continue;
      }
      changed = true;
      for (let i = 0; i <= end - start; i++)
        extra.push(
          `<${(start + i).toString(16).toUpperCase().padStart(width, '0')}> <${hex4(ideographOf(first + i))}>`,
        );
    }
    return kept.length === 0 ? '' : `${kept.length} beginbfrange\n${kept.join('\n')}\nendbfrange`;
  });
  if (!changed) return undefined;
  if (extra.length > 0) {
    const blocks: string[] = [];
    for (let i = 0; i < extra.length; i += 100) {
      const chunk = extra.slice(i, i + 100);
      blocks.push(`${chunk.length} beginbfchar\n${chunk.join('\n')}\nendbfchar\n`);
    }
    out = out.replace(/endcmap/, `${blocks.join('')}endcmap`);
  }
  return out;
}

interface Edit {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

/**
 * Returns `pdf` with its ToUnicode maps repaired (the same bytes when nothing needed it, or when
 * the file is not laid out as Chromium writes it: a classic cross-reference table, direct lengths).
 *
 * @example
 * ```ts
 * const pdf = fixToUnicode(await page.pdf());
 * ```
 */
export function fixToUnicode(pdf: Uint8Array): Uint8Array {
  const src = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  const ids = new Set([...src.matchAll(/\/ToUnicode (\d+) 0 R/g)].map((m) => m[1]!));
  const edits: Edit[] = [];
  for (const id of ids) {
    const head = new RegExp(`(?:^|[\\r\\n])${id} 0 obj\\s*<<([^]*?)>>\\s*stream\\r?\\n`).exec(src);
    if (head === null) return pdf;
    const dict = head[1] ?? '';
    const length = /\/Length (\d+)(?!\s+\d+\s+R)/.exec(dict);
    if (length === null || !/\/Filter\s*\/FlateDecode/.test(dict)) return pdf;
    const start = head.index + head[0].length;
    const end = start + Number(length[1]);
    if (!src.startsWith('endstream', end + (src[end] === '\r' ? 2 : src[end] === '\n' ? 1 : 0))) return pdf;
    let cmap: string;
    try {
      cmap = inflateSync(Buffer.from(src.slice(start, end), 'latin1')).toString('latin1');
    } catch {
      return pdf;
    }
    const fixed = fixCMap(cmap);
    if (fixed === undefined) continue;
    const body = deflateSync(Buffer.from(fixed, 'latin1')).toString('latin1');
    const dictStart = head.index + head[0].indexOf('<<');
    const newHead = head[0].slice(head[0].indexOf('<<')).replace(/\/Length \d+/, `/Length ${body.length}`);
    edits.push({ from: dictStart, to: end, text: newHead + body });
  }
  if (edits.length === 0) return pdf;
  edits.sort((a, b) => a.from - b.from);

  // Apply the edits, and remember how much each original offset moves.
  let out = '';
  let at = 0;
  const shifts: { readonly after: number; readonly delta: number }[] = [];
  let delta = 0;
  for (const e of edits) {
    out += src.slice(at, e.from) + e.text;
    delta += e.text.length - (e.to - e.from);
    shifts.push({ after: e.from, delta });
    at = e.to;
  }
  out += src.slice(at);
  const moved = (offset: number): number => {
    let d = 0;
    for (const s of shifts) if (offset > s.after) d = s.delta;
    return offset + d;
  };

  // Rebuild the cross-reference table (same layout, new offsets) and startxref.
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(out);
  if (startxref === null) return pdf;
  const xrefAt = moved(Number(startxref[1]));
  if (!out.startsWith('xref', xrefAt)) return pdf;
  const trailerAt = out.indexOf('trailer', xrefAt);
  if (trailerAt < 0) return pdf;
  const table = out
    .slice(xrefAt, trailerAt)
    .replace(
      /(\d{10}) (\d{5}) n/g,
      (_m, off: string, gen: string) => `${String(moved(Number(off))).padStart(10, '0')} ${gen} n`,
    );
  out = out.slice(0, xrefAt) + table + out.slice(trailerAt);
  out = out.replace(/startxref\s+\d+(\s+%%EOF\s*)$/, `startxref\n${xrefAt}$1`);
  return new Uint8Array(Buffer.from(out, 'latin1'));
}
