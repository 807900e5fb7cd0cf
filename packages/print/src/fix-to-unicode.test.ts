import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fixCMap, fixToUnicode, ideographOf } from './fix-to-unicode.js';

const cmap = (sections: string) =>
  `/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n1 begincodespacerange\n<00> <FF>\nendcodespacerange\n${sections}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend`;

describe('ideographOf', () => {
  it('maps Kangxi radicals by NFKC and supplement radicals by the table', () => {
    expect(String.fromCodePoint(ideographOf(0x2f2d))).toBe('山');
    expect(String.fromCodePoint(ideographOf(0x2ed8))).toBe('青');
    expect(String.fromCodePoint(ideographOf(0x2ec5))).toBe('见');
    expect(ideographOf(0x4e00)).toBe(0x4e00);
  });
});

describe('fixCMap', () => {
  it('rewrites single mappings to radicals and leaves the others', () => {
    const out = fixCMap(cmap('3 beginbfchar\n<01> <2ED8>\n<02> <2F2D>\n<03> <53BF>\nendbfchar\n'));
    expect(out).toContain('3 beginbfchar\n<01> <9752>\n<02> <5C71>\n<03> <53BF>\nendbfchar');
  });

  it('splits a range that covers a radical into single mappings and keeps the count right', () => {
    const out = fixCMap(cmap('2 beginbfrange\n<10> <12> <2ED7>\n<20> <21> <4E00>\nendbfrange\n'))!;
    expect(out).toContain('1 beginbfrange\n<20> <21> <4E00>\nendbfrange');
    expect(out).toContain('3 beginbfchar\n<10> <96E8>\n<11> <9752>\n<12> <97E6>\nendbfchar');
  });

  it('rewrites radicals inside array destinations', () => {
    expect(fixCMap(cmap('1 beginbfrange\n<01> <02> [<2ED8> <4E00>]\nendbfrange\n'))).toContain(
      '<01> <02> [<9752> <4E00>]',
    );
  });

  it('returns undefined when there is nothing to repair', () => {
    expect(fixCMap(cmap('1 beginbfchar\n<01> <53BF>\nendbfchar\n'))).toBeUndefined();
  });
});

/** A minimal PDF in Chromium's layout: a font with a ToUnicode stream, then a classic xref table. */
function minimalPdf(cmapText: string): Uint8Array {
  const stream = deflateSync(Buffer.from(cmapText, 'latin1')).toString('latin1');
  const objects = [
    '<</Type /Catalog>>',
    '<</Type /Font /ToUnicode 3 0 R>>',
    `<</Filter /FlateDecode\n/Length ${stream.length}>> stream\n${stream}\nendstream`,
    '<</Producer (test)>>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<</Size ${objects.length + 1} /Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

describe('fixToUnicode on a whole file', () => {
  it('repairs the map and rebuilds the cross-reference table so every offset points at its object', () => {
    const fixed = Buffer.from(
      fixToUnicode(minimalPdf(cmap('1 beginbfchar\n<01> <2ED8>\nendbfchar\n'))),
    ).toString('latin1');
    const xrefAt = Number(/startxref\n(\d+)/.exec(fixed)![1]);
    expect(fixed.startsWith('xref', xrefAt)).toBe(true);
    const offsets = [...fixed.slice(xrefAt).matchAll(/(\d{10}) 00000 n/g)].map((m) => Number(m[1]));
    offsets.forEach((o, i) => expect(fixed.startsWith(`${i + 1} 0 obj`, o)).toBe(true));
    const head = /3 0 obj\n<<[^]*?\/Length (\d+)>> stream\n/.exec(fixed)!;
    const body = fixed.slice(head.index + head[0].length, head.index + head[0].length + Number(head[1]));
    expect(inflateSync(Buffer.from(body, 'latin1')).toString('latin1')).toContain('<01> <9752>');
  });

  it('returns the same bytes when no map needs repair', () => {
    const pdf = minimalPdf(cmap('1 beginbfchar\n<01> <53BF>\nendbfchar\n'));
    expect(fixToUnicode(pdf)).toBe(pdf);
  });
});
