/**
 * Browser integration test: every reference BPMN (`processes/`) and every example county's copy
 * (`examples/*\/processes/`) opens cleanly in a real bpmn-js (the prebuilt navigated-viewer bundle)
 * running in a real headless Chromium (Debian, `/usr/bin/chromium` or `CHROMIUM_PATH`).
 *
 * "Cleanly" means: `importXML` resolves with no warnings, every flow element of every process (and
 * sub-process) has a rendered shape or connection, every shape has a positive size and no two shapes
 * sit exactly on top of each other, and the page reports no script error.
 *
 * There is no skip: without Chromium the test fails.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The repository root: this file lives in packages/pilot/test/. */
const root = join(import.meta.dirname, '..', '..', '..');
const require = createRequire(import.meta.url);
const bpmnJsDist = join(dirname(require.resolve('bpmn-js/package.json')), 'dist');

const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Every `.bpmn` under `processes/` and `examples/<county>/processes/`, relative to the root. */
function bpmnFiles(): string[] {
  const dirs = [join(root, 'processes')];
  const examples = join(root, 'examples');
  if (existsSync(examples)) {
    for (const entry of readdirSync(examples, { withFileTypes: true })) {
      const dir = join(examples, entry.name, 'processes');
      if (entry.isDirectory() && existsSync(dir)) dirs.push(dir);
    }
  }
  return dirs
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => name.endsWith('.bpmn'))
        .map((name) => relative(root, join(dir, name))),
    )
    .sort();
}

/** What the page reports after opening one diagram. */
interface OpenReport {
  readonly error: string | null;
  readonly warnings: readonly string[];
  /** Ids of the flow elements of every process and sub-process (the semantic model). */
  readonly flowElementIds: readonly string[];
  /** Ids of the elements in the element registry that have graphics in the canvas. */
  readonly renderedIds: readonly string[];
  /** Every shape that is not a label nor the root. */
  readonly shapes: readonly {
    readonly id: string;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  }[];
}

/**
 * Runs in the page (serialised by playwright, so it may only use its argument and page globals).
 * Typed loosely on purpose: the repository compiles without the DOM lib.
 */
async function openInPage(xml: string): Promise<OpenReport> {
  interface Bo {
    readonly id: string;
    readonly $type: string;
    readonly flowElements?: readonly Bo[];
    readonly rootElements?: readonly Bo[];
    readonly participants?: readonly { readonly processRef?: Bo }[];
  }
  interface El {
    readonly id: string;
    readonly type: string;
    readonly x?: number;
    readonly y?: number;
    readonly width?: number;
    readonly height?: number;
    readonly waypoints?: unknown;
    readonly labelTarget?: unknown;
    readonly parent?: unknown;
  }
  interface Viewer {
    importXML(xml: string): Promise<{ warnings: readonly { message: string }[] }>;
    getDefinitions(): Bo;
    get(name: 'elementRegistry'): { getAll(): El[]; getGraphics(id: string): unknown };
    get(name: 'canvas'): { zoom(level: string): unknown };
    destroy(): void;
  }
  interface Doc {
    getElementById(id: string): { innerHTML: string } | null;
  }
  const g = globalThis as unknown as {
    BpmnJS: new (options: { container: string }) => Viewer;
    document: Doc;
    shidianViewer?: Viewer;
  };
  g.shidianViewer?.destroy();
  const canvasDiv = g.document.getElementById('canvas');
  if (canvasDiv) canvasDiv.innerHTML = '';
  const viewer = new g.BpmnJS({ container: '#canvas' });
  g.shidianViewer = viewer;
  let warnings: readonly { message: string }[];
  try {
    ({ warnings } = await viewer.importXML(xml));
  } catch (error) {
    return {
      error: String(error),
      warnings: [],
      flowElementIds: [],
      renderedIds: [],
      shapes: [],
    };
  }
  viewer.get('canvas').zoom('fit-viewport');
  const flowElementIds: string[] = [];
  const visit = (container: Bo): void => {
    for (const element of container.flowElements ?? []) {
      flowElementIds.push(element.id);
      visit(element);
    }
  };
  const definitions = viewer.getDefinitions();
  for (const rootElement of definitions.rootElements ?? []) {
    if (rootElement.$type === 'bpmn:Process') visit(rootElement);
  }
  const registry = viewer.get('elementRegistry');
  const all = registry.getAll();
  return {
    error: null,
    warnings: warnings.map((warning) => warning.message),
    flowElementIds,
    renderedIds: all.filter((el) => registry.getGraphics(el.id) != null).map((el) => el.id),
    shapes: all
      .filter((el) => el.waypoints === undefined && el.type !== 'label' && el.parent != null)
      .map((el) => ({
        id: el.id,
        x: el.x ?? Number.NaN,
        y: el.y ?? Number.NaN,
        width: el.width ?? Number.NaN,
        height: el.height ?? Number.NaN,
      })),
  };
}

/**
 * Everything that keeps a diagram from opening cleanly, as `CODE: detail` strings (empty = clean):
 * import error, warnings, flow elements without graphics, shapes without a positive size, shapes
 * exactly on top of each other.
 */
function problemsOf(report: OpenReport): string[] {
  if (report.error !== null) return [`IMPORT_ERROR: ${report.error}`];
  const problems = report.warnings.map((warning) => `IMPORT_WARNING: ${warning}`);
  if (report.flowElementIds.length === 0) problems.push('NO_FLOW_ELEMENTS');
  const rendered = new Set(report.renderedIds);
  for (const id of report.flowElementIds) {
    if (!rendered.has(id)) problems.push(`NOT_RENDERED: ${id}`);
  }
  const seen = new Map<string, string>();
  for (const s of report.shapes) {
    if (!(s.width > 0 && s.height > 0 && Number.isFinite(s.x) && Number.isFinite(s.y))) {
      problems.push(`BAD_SIZE: ${s.id}`);
    }
    const key = `${s.x},${s.y},${s.width},${s.height}`;
    const other = seen.get(key);
    if (other === undefined) seen.set(key, s.id);
    else problems.push(`OVERLAP: ${other} ${s.id}`);
  }
  return problems;
}

const files = bpmnFiles();

describe('reference and example BPMN open cleanly in bpmn-js (real Chromium)', () => {
  let browser: Browser | undefined;
  let page: Page | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // No silent skip: a missing browser is a failure of this suite.
    if (!existsSync(CHROMIUM_PATH)) {
      throw new Error(`Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.setContent(
      '<!doctype html><html><head><meta charset="utf-8"></head>' +
        '<body style="margin:0"><div id="canvas" style="width:1600px;height:900px"></div></body></html>',
    );
    for (const css of ['diagram-js.css', 'bpmn-js.css']) {
      await page.addStyleTag({ content: readFileSync(join(bpmnJsDist, 'assets', css), 'utf8') });
    }
    await page.addScriptTag({
      content: readFileSync(join(bpmnJsDist, 'bpmn-navigated-viewer.production.min.js'), 'utf8'),
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('given the repository, when listing BPMN files, then the reference set is there', () => {
    expect(files).toContain('processes/acceptance.bpmn');
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it('given a broken diagram, when bpmn-js imports it, then each defect is reported', async () => {
    if (!page) throw new Error('no page: Chromium did not start');
    const xml = readFileSync(join(import.meta.dirname, 'fixtures', 'broken.bpmn'), 'utf8');
    const problems = problemsOf(await page.evaluate(openInPage, xml));
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'BAD_SIZE',
      'IMPORT_WARNING',
      'NOT_RENDERED',
      'NOT_RENDERED',
      'OVERLAP',
    ]);
    expect(problems).toContain('NOT_RENDERED: Task_NoShape');
    expect(problems).toContain('NOT_RENDERED: Flow_Ghost');
    expect(problems).toContain('OVERLAP: Task_A Task_B');
    expect(problems).toContain('BAD_SIZE: End');
  });

  it.each(files)('given %s, when bpmn-js imports it, then it renders cleanly', async (file) => {
    if (!page) throw new Error('no page: Chromium did not start');
    pageErrors.length = 0;
    const xml = readFileSync(join(root, file), 'utf8');
    const report = await page.evaluate(openInPage, xml);

    expect(problemsOf(report)).toEqual([]);
    expect(pageErrors).toEqual([]);

    if (file === 'processes/acceptance.bpmn' && process.env['BPMN_SCREENSHOT']) {
      await page.screenshot({ path: process.env['BPMN_SCREENSHOT'] });
    }
  });
});
