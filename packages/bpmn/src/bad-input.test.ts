import { describe, expect, it } from 'vitest';
import { compileBpmn, DEFAULT_MAX_BYTES } from './compile.js';

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"';
const codes = (r: { problems: readonly { code: string }[] }) => r.problems.map((p) => p.code);

/** Hostile and broken inputs. Each must give a coded problem; none may throw. Time and memory are measured by `pnpm bench bpmn`. */
describe('compileBpmn — bad input', () => {
  it('given text that is not XML, then BPMN_ERR_NOT_XML', async () => {
    const r = await compileBpmn('this is not xml { "a": 1 }');
    expect(codes(r)).toEqual(['BPMN_ERR_NOT_XML']);
    expect(r.processes).toEqual([]);
  });

  it('given an empty string or a non-string, then BPMN_ERR_NOT_XML', async () => {
    expect(codes(await compileBpmn(''))).toEqual(['BPMN_ERR_NOT_XML']);
    expect(codes(await compileBpmn(42 as unknown as string))).toEqual(['BPMN_ERR_NOT_XML']);
    expect(codes(await compileBpmn(null as unknown as string))).toEqual(['BPMN_ERR_NOT_XML']);
  });

  it('given XML that is not BPMN, then BPMN_ERR_NOT_BPMN', async () => {
    expect(codes(await compileBpmn('<html><body>hi</body></html>'))).toEqual(['BPMN_ERR_NOT_BPMN']);
  });

  it('given truncated XML, then a coded problem and no executable process', async () => {
    const r = await compileBpmn(
      `<bpmn:definitions ${NS} id="d"><bpmn:process id="p"><bpmn:startEvent id="s"/><bpmn:sequen`,
    );
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems.every((p) => p.code.startsWith('BPMN_'))).toBe(true);
    expect(r.summaries.some((s) => s.executable)).toBe(false);
  });

  it('given a DOCTYPE with an external entity (XXE), then BPMN_ERR_DOCTYPE and nothing is resolved', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions ${NS} id="d"><bpmn:process id="p" name="&xxe;"><bpmn:startEvent id="s"/></bpmn:process></bpmn:definitions>`;
    const r = await compileBpmn(xxe);
    expect(codes(r)).toEqual(['BPMN_ERR_DOCTYPE']);
    expect(JSON.stringify(r)).not.toContain('root:');
  });

  it('given a billion-laughs DOCTYPE, then BPMN_ERR_DOCTYPE without expansion', async () => {
    let entities = '<!ENTITY lol0 "lol">';
    for (let i = 1; i < 10; i++) entities += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [${entities}]><bpmn:definitions ${NS} id="d"><bpmn:process id="p" name="&lol9;"/></bpmn:definitions>`;
    const r = await compileBpmn(bomb);
    expect(codes(r)).toEqual(['BPMN_ERR_DOCTYPE']);
    expect(JSON.stringify(r).length).toBeLessThan(2000);
  });

  it('given a 20 MB file, then BPMN_ERR_TOO_LARGE before parsing', async () => {
    const filler = '<bpmn:task id="t" name="' + 'x'.repeat(1000) + '"/>\n';
    const xml = `<bpmn:definitions ${NS} id="d"><bpmn:process id="p">${filler.repeat(20 * 1024)}</bpmn:process></bpmn:definitions>`;
    expect(xml.length).toBeGreaterThan(20 * 1024 * 1024);
    const r = await compileBpmn(xml);
    expect(codes(r)).toEqual(['BPMN_ERR_TOO_LARGE']);
    expect(r.problems[0]?.params?.limit).toBe(String(DEFAULT_MAX_BYTES));
  });

  it('given multi-byte text just over the byte limit, then BPMN_ERR_TOO_LARGE', async () => {
    const xml = `<bpmn:definitions ${NS} id="d"><bpmn:process id="p" name="${'信'.repeat(400)}"/></bpmn:definitions>`;
    expect(codes(await compileBpmn(xml, { maxBytes: 1000 }))).toEqual(['BPMN_ERR_TOO_LARGE']);
  });

  it('given 10,000-deep nesting, then BPMN_ERR_TOO_DEEP without exhausting the stack', async () => {
    const depth = 10_000;
    const deepSub = `<bpmn:definitions ${NS} id="d"><bpmn:process id="p">${'<bpmn:subProcess>'.repeat(depth)}${'</bpmn:subProcess>'.repeat(depth)}</bpmn:process></bpmn:definitions>`;
    expect(codes(await compileBpmn(deepSub))).toEqual(['BPMN_ERR_TOO_DEEP']);
    const deepUnknown = `<bpmn:definitions ${NS} id="d">${'<x:a xmlns:x="urn:x">'.repeat(depth)}${'</x:a>'.repeat(depth)}</bpmn:definitions>`;
    expect(codes(await compileBpmn(deepUnknown))).toEqual(['BPMN_ERR_TOO_DEEP']);
  });

  it('given nesting under the limit, then sub-processes compile (no recursion in the compiler)', async () => {
    const depth = 150;
    let inner =
      '<bpmn:startEvent id="s_in"/><bpmn:sequenceFlow id="f_in" sourceRef="s_in" targetRef="e_in"/><bpmn:endEvent id="e_in"/>';
    for (let i = depth; i > 0; i--)
      inner = `<bpmn:startEvent id="s${i}"/><bpmn:sequenceFlow id="fa${i}" sourceRef="s${i}" targetRef="sp${i}"/><bpmn:subProcess id="sp${i}">${inner}</bpmn:subProcess><bpmn:sequenceFlow id="fb${i}" sourceRef="sp${i}" targetRef="e${i}"/><bpmn:endEvent id="e${i}"/>`;
    const r = await compileBpmn(
      `<bpmn:definitions ${NS} id="d"><bpmn:process id="p">${inner}</bpmn:process></bpmn:definitions>`,
    );
    expect(codes(r)).toEqual([]);
    expect(Object.keys(r.processes[0]?.scopes ?? {})).toHaveLength(depth + 1);
  });

  it('given too many elements, then BPMN_ERR_TOO_MANY_ELEMENTS', async () => {
    const xml = `<bpmn:definitions ${NS} id="d"><bpmn:process id="p">${'<bpmn:task/>'.repeat(200)}</bpmn:process></bpmn:definitions>`;
    expect(codes(await compileBpmn(xml, { maxElements: 100 }))).toEqual(['BPMN_ERR_TOO_MANY_ELEMENTS']);
  });

  it('given unknown namespaces, then warnings with codes and the process still compiles', async () => {
    const xml = `<bpmn:definitions ${NS} xmlns:foo="urn:foo" id="d"><bpmn:process id="p" foo:x="1">
<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/><foo:gadget id="g"/><bpmn:endEvent id="e"/>
</bpmn:process></bpmn:definitions>`;
    const r = await compileBpmn(xml);
    expect(codes(r)).toEqual(['BPMN_WARN_XML_CONTENT']);
    expect(r.problems[0]).toMatchObject({ line: 2 });
    expect(r.summaries).toEqual([{ id: 'p', executable: true }]);
  });

  it('given a flow without sourceRef or targetRef, then BPMN_ERR_FLOW_MISSING_REF', async () => {
    const xml = `<bpmn:definitions ${NS} id="d"><bpmn:process id="p"><bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s"/><bpmn:sequenceFlow id="f2" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>`;
    const r = await compileBpmn(xml);
    expect(codes(r)).toContain('BPMN_ERR_FLOW_MISSING_REF');
    expect(
      r.problems
        .filter((p) => p.code === 'BPMN_ERR_FLOW_MISSING_REF')
        .map((p) => [p.elementId, p.params?.attr]),
    ).toEqual([
      ['f1', 'targetRef'],
      ['f2', 'sourceRef'],
    ]);
  });

  it('given a reference to a missing element, then BPMN_ERR_UNRESOLVED_REF', async () => {
    const xml = `<bpmn:definitions ${NS} id="d"><bpmn:process id="p"><bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="nowhere"/></bpmn:process></bpmn:definitions>`;
    expect(codes(await compileBpmn(xml))).toContain('BPMN_ERR_UNRESOLVED_REF');
  });

  it('given duplicate ids, then BPMN_ERR_DUPLICATE_ID at the second occurrence', async () => {
    const xml = `<bpmn:definitions ${NS} id="d"><bpmn:process id="p">
<bpmn:startEvent id="s"/>
<bpmn:task id="s"/>
</bpmn:process></bpmn:definitions>`;
    const r = await compileBpmn(xml);
    const dup = r.problems.find((p) => p.code === 'BPMN_ERR_DUPLICATE_ID');
    expect(dup).toMatchObject({ elementId: 's', line: 3, column: 1, processId: 'p' });
    expect(r.summaries.every((s) => !s.executable)).toBe(true);
  });

  it('given camunda and zeebe extensions in one file, then no element is silently dropped', async () => {
    const xml = `<bpmn:definitions ${NS} xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<bpmn:process id="p"><bpmn:startEvent id="s" camunda:formKey="a"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>`;
    const r = await compileBpmn(xml);
    expect(r.processes.map((p) => Object.keys(p.nodes))).toEqual([['e', 's']]);
  });

  it('given a BPMN element the parser drops (a task inside an end event), then BPMN_ERR_ELEMENT_DROPPED', async () => {
    const xml = `<bpmn:definitions ${NS} id="d"><bpmn:process id="p"><bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"><bpmn:userTask id="inner"/></bpmn:endEvent></bpmn:process></bpmn:definitions>`;
    const r = await compileBpmn(xml);
    expect(r.problems.find((p) => p.code === 'BPMN_ERR_ELEMENT_DROPPED')).toMatchObject({
      elementId: 'inner',
      line: 2,
    });
    expect(r.summaries).toEqual([{ id: 'p', executable: false }]);
  });

  it('never throws on random garbage', async () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const alphabet = [
      '<',
      '>',
      '/',
      '"',
      "'",
      '=',
      ' ',
      'bpmn:',
      'process',
      'id',
      '&',
      ';',
      '<!--',
      '-->',
      '<![CDATA[',
      ']]>',
      '?',
      'x',
      '\n',
    ];
    for (let i = 0; i < 200; i++) {
      let s = `<bpmn:definitions ${NS} id="d">`;
      for (let j = 0; j < 60; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
      const r = await compileBpmn(s);
      expect(r.problems.length).toBeGreaterThan(0);
      expect(codes(r)).not.toContain('BPMN_ERR_INTERNAL');
    }
  });
});
