/**
 * Reads a PDF back with pdf.js (the legacy build, for Node) so tests can check what was printed:
 * page sizes, the text of each page with positions, and the fonts the pages use.
 */
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** One run of text: its string and where it sits (PDF points, origin bottom left). */
export interface TextRun {
  readonly str: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly size: number;
}

export interface InspectedPage {
  readonly width: number;
  readonly height: number;
  readonly runs: readonly TextRun[];
  /** The page's text, runs joined, exactly as a reader would copy it. */
  readonly text: string;
}

export interface InspectedPdf {
  readonly pages: readonly InspectedPage[];
  /** PostScript names of the fonts used, as embedded (`AAAAAA+NotoSerifCJKsc-Regular`). */
  readonly fonts: ReadonlySet<string>;
  /** Names of the fonts used whose program is not embedded. */
  readonly missingFonts: ReadonlySet<string>;
}

/** Parses `bytes` (copied first: pdf.js detaches the buffer it is given). */
export async function inspectPdf(bytes: Uint8Array): Promise<InspectedPdf> {
  const doc = await getDocument({ data: new Uint8Array(bytes), verbosity: 0, disableFontFace: true }).promise;
  const pages: InspectedPage[] = [];
  const fonts = new Set<string>();
  const missingFonts = new Set<string>();
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = page.view;
      const content = await page.getTextContent();
      const runs: TextRun[] = [];
      for (const item of content.items) {
        if (!('str' in item) || item.str.trim() === '') continue;
        const t = item.transform as number[];
        runs.push({ str: item.str, x: t[4] ?? 0, y: t[5] ?? 0, width: item.width, size: item.height });
      }
      const ops = await page.getOperatorList();
      ops.fnArray.forEach((fn, i) => {
        if (fn !== OPS.setFont) return;
        const ref = (ops.argsArray[i] as unknown[])[0] as string;
        const font = page.commonObjs.get(ref) as { name?: string; missingFile?: boolean };
        if (font.name === undefined) return;
        fonts.add(font.name);
        if (font.missingFile === true) missingFonts.add(font.name);
      });
      pages.push({
        width: x1 - x0,
        height: y1 - y0,
        runs,
        text: runs.map((r) => r.str).join(''),
      });
    }
  } finally {
    await doc.destroy();
  }
  return { pages, fonts, missingFonts };
}

/** 1 mm in PDF points. */
export const MM = 72 / 25.4;

/**
 * Whether every in-use entry of the (classic) cross-reference table points at `N G obj`, and
 * `startxref` at the table: pdf.js silently rebuilds a broken table, so tests check it directly.
 */
export function xrefPointsAtObjects(bytes: Uint8Array): boolean {
  const s = Buffer.from(bytes).toString('latin1');
  const at = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(s);
  if (at === null || !s.startsWith('xref', Number(at[1]))) return false;
  const table = s.slice(Number(at[1]), s.indexOf('trailer', Number(at[1])));
  let ok = true;
  for (const section of table.matchAll(/(\d+) (\d+)\r?\n((?:\d{10} \d{5} [nf]\s*\r?\n?)+)/g)) {
    const first = Number(section[1]);
    [...section[3]!.matchAll(/(\d{10}) (\d{5}) ([nf])/g)].forEach((e, i) => {
      if (e[3] === 'n' && !s.startsWith(`${first + i} ${Number(e[2])} obj`, Number(e[1]))) ok = false;
    });
  }
  return ok;
}
