import { describe, expect, it } from 'vitest';
import { prescan } from './prescan.js';

describe('prescan', () => {
  it('given ids on several lines, then each gets the 1-based line and column of its tag', () => {
    const xml =
      '<?xml version="1.0"?>\n<a:root xmlns:a="urn:a" id="r">\n  <a:x id="one"/>\n\t<a:y  id=\'two\' name="a > b"/><a:z id="three"/>\n</a:root>';
    const scan = prescan(xml, 10);
    expect(scan.ids.get('r')).toEqual([{ line: 2, column: 1, tag: 'a:root' }]);
    expect(scan.ids.get('one')).toEqual([{ line: 3, column: 3, tag: 'a:x' }]);
    expect(scan.ids.get('two')).toEqual([{ line: 4, column: 2, tag: 'a:y' }]);
    expect(scan.ids.get('three')).toEqual([{ line: 4, column: 31, tag: 'a:z' }]);
    expect(scan.namespaces.get('a')).toBe('urn:a');
    expect(scan.depth).toBe(2);
  });

  it('skips comments, CDATA and processing instructions, and records duplicates', () => {
    const xml =
      '<r id="a"><!-- <x id="hidden"/> --><![CDATA[<y id="no"/>]]><?pi <z id="no2"?><q id="a"/></r>';
    const scan = prescan(xml, 10);
    expect([...scan.ids.keys()]).toEqual(['a']);
    expect(scan.ids.get('a')).toHaveLength(2);
  });

  it('stops at a DOCTYPE, at the depth limit and at the element limit', () => {
    expect(prescan('<!DOCTYPE x [<!ENTITY a "b">]><x/>', 10).hasDoctype).toBe(true);
    const deep = prescan('<a>'.repeat(50) + '</a>'.repeat(50), 20);
    expect(deep).toMatchObject({ tooDeep: true, depth: 21 });
    expect(prescan('<r>' + '<e/>'.repeat(30) + '</r>', 10, 10)).toMatchObject({ tooMany: true });
    expect(prescan('<r>' + '<e/>'.repeat(30) + '</r>', 10, 100)).toMatchObject({
      tooMany: false,
      elements: 31,
    });
  });

  it('given quoted values with > and both quote kinds, and an unterminated tag, then tags end where XML ends them', () => {
    const xml = `<r id="r"><a x='"a>b"' id="a" y="'>'"/><b id="b" z='>'>text</b><c id="c" w="never closed></r>`;
    const scan = prescan(xml, 10);
    expect([...scan.ids.keys()]).toEqual(['r', 'a', 'b']);
    expect(scan.ids.get('b')).toEqual([{ line: 1, column: 40, tag: 'b' }]);
    // a huge unterminated start tag is scanned in linear time and simply ends the scan
    const big = prescan('<r id="r"><a ' + 'x="1" '.repeat(200_000), 10);
    expect([...big.ids.keys()]).toEqual(['r']);
  });
});
