/**
 * `pnpm bench engine [--json] [--instances N]`: our engine against bpmn-engine (25.0.1), same two
 * process shapes, one process, one run:
 *   (a) start → user task "register" → exclusive gateway on a variable → user task "handle" → end
 *   (b) start → parallel split into 3 user tasks → join → end
 * Metrics: user-task completions per second of process CPU time, best of 3 rounds (our `step` on
 * in-memory states vs bpmn-engine's `signal` on live executions; plus ours with a JSON round trip
 * per completion, as the store does),
 * heap bytes per waiting instance (measured with `global.gc`), and serialised state size.
 *
 * Heap figures need `--expose-gc`: when it is missing the bench re-runs itself in a child
 * `node --expose-gc --import tsx` and returns the child's report.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileBpmn, type ProcessGraph } from '@shidian/bpmn';
import { step, type EngineState } from '@shidian/engine';
import { BpmnModdle } from 'bpmn-moddle';
import { Engine } from 'bpmn-engine';
import { result, type Bench, type BenchReport, type BenchResult } from './report.js';

const NS = `xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" targetNamespace="https://shidian.dev/bench"`;
const task = (id: string): string =>
  `<bpmn:userTask id="${id}" name="${id}"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="staff" /></bpmn:extensionElements></bpmn:userTask>`;
const flow = (id: string, s: string, t: string, cond?: string): string =>
  cond === undefined
    ? `<bpmn:sequenceFlow id="${id}" sourceRef="${s}" targetRef="${t}" />`
    : `<bpmn:sequenceFlow id="${id}" sourceRef="${s}" targetRef="${t}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"${cond}</bpmn:conditionExpression></bpmn:sequenceFlow>`;

/** Shape (a); `cond` is the condition element's attributes and body (FEEL for us, JavaScript for bpmn-engine). */
const shapeA = (cond: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="bench_a"><bpmn:process id="a" isExecutable="true">
  <bpmn:startEvent id="start" />${flow('f1', 'start', 'register')}${task('register')}${flow('f2', 'register', 'gw')}
  <bpmn:exclusiveGateway id="gw" default="f4" />${flow('f3', 'gw', 'handle', cond)}${flow('f4', 'gw', 'end2')}
  ${task('handle')}${flow('f5', 'handle', 'end')}<bpmn:endEvent id="end" /><bpmn:endEvent id="end2" />
</bpmn:process></bpmn:definitions>`;

const shapeB = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="bench_b"><bpmn:process id="b" isExecutable="true">
  <bpmn:startEvent id="start" />${flow('f0', 'start', 'split')}<bpmn:parallelGateway id="split" />
  ${flow('fa', 'split', 'ta')}${flow('fb', 'split', 'tb')}${flow('fc', 'split', 'tc')}${task('ta')}${task('tb')}${task('tc')}
  ${flow('fa2', 'ta', 'join')}${flow('fb2', 'tb', 'join')}${flow('fc2', 'tc', 'join')}<bpmn:parallelGateway id="join" />
  ${flow('f9', 'join', 'end')}<bpmn:endEvent id="end" />
</bpmn:process></bpmn:definitions>`;

const FEEL_COND = '>=decision = "accept"';
const JS_COND = ' language="js">next(null, environment.variables.decision === "accept")';

const T0 = Date.parse('2026-03-02T01:00:00.000Z');
const iso = (i: number): string => new Date(T0 + i * 1000).toISOString();
const actor = { id: 'u1', groups: ['staff'] };
const ROUNDS = 3;

function ours(graph: ProcessGraph, instances: number): EngineState[] {
  const states: EngineState[] = [];
  for (let i = 0; i < instances; i++) {
    const r = step(
      graph,
      null,
      { type: 'start', instanceId: `case-${i}`, variables: { decision: 'accept' } },
      iso(i),
    );
    if (!r.ok) throw new Error(r.error.code);
    states.push(r.state);
  }
  return states;
}

/** Completes every open task of every instance until all end; returns completions and ms. */
/** CPU milliseconds (user + system) of this process since `from`. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function completeOurs(
  graph: ProcessGraph,
  states: EngineState[],
  roundTrip: boolean,
): { completions: number; ms: number } {
  let completions = 0;
  const t = process.cpuUsage();
  for (let i = 0; i < states.length; i++) {
    let s = states[i] as EngineState;
    // with `roundTrip`, the state lives as JSON text between steps (parse on load, stringify on save)
    let text = roundTrip ? JSON.stringify(s) : '';
    let n = 0;
    for (;;) {
      if (roundTrip) s = JSON.parse(text) as EngineState;
      const id = Object.keys(s.tasks)[0];
      if (id === undefined) break;
      const r = step(graph, s, { type: 'complete', taskId: id, actor }, iso(i + ++n));
      if (!r.ok) throw new Error(r.error.code);
      s = r.state;
      if (roundTrip) text = JSON.stringify(s);
      completions++;
    }
    if (s.status !== 'completed') throw new Error('instance did not complete');
  }
  return { completions, ms: cpuMs(t) };
}

type Execution = Awaited<ReturnType<Engine['execute']>>;

async function theirs(moddleContext: unknown, name: string, instances: number): Promise<Execution[]> {
  const out: Execution[] = [];
  for (let i = 0; i < instances; i++) {
    const engine = new Engine({ name, moddleContext } as ConstructorParameters<typeof Engine>[0]);
    out.push(await engine.execute({ variables: { decision: 'accept' } }));
  }
  return out;
}

function completeTheirs(executions: Execution[]): { completions: number; ms: number } {
  let completions = 0;
  const t = process.cpuUsage();
  for (const ex of executions) {
    for (;;) {
      const waiting = ex.getPostponed().filter((a) => a.type === 'bpmn:UserTask');
      const first = waiting[0];
      if (first === undefined) break;
      first.signal();
      completions++;
    }
  }
  return { completions, ms: cpuMs(t) };
}

async function gc(): Promise<void> {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    g();
  }
}

/** Heap growth per instance while `n` waiting instances are kept alive (median of 3 rounds). */
async function heapPer<T>(n: number, make: () => Promise<T[]> | T[]): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    await gc();
    const before = process.memoryUsage().heapUsed;
    let kept: T[] | undefined = await make();
    await gc();
    const after = process.memoryUsage().heapUsed;
    if (kept.length !== n) throw new Error('lost instances');
    rounds.push((after - before) / n);
    kept = undefined;
  }
  return rounds.sort((x, y) => x - y)[1] ?? 0;
}

async function measure(instances: number): Promise<BenchReport> {
  const results: BenchResult[] = [];
  const a = (await compileBpmn(shapeA(FEEL_COND))).processes[0];
  const b = (await compileBpmn(shapeB)).processes[0];
  if (a === undefined || b === undefined) throw new Error('bench models do not compile');
  const moddle = new BpmnModdle();
  const ctxA = await moddle.fromXML(shapeA(JS_COND));
  const ctxB = await moddle.fromXML(shapeB);
  const shapes = [
    ['a', a, ctxA, 'bench_a'],
    ['b', b, ctxB, 'bench_b'],
  ] as const;
  // heap first, before the timing runs leave garbage behind
  const heap = new Map<string, [number, number]>();
  for (const [label, graph, ctx, name] of shapes) {
    const heapN = Math.min(instances, 2000);
    const theirN = Math.min(heapN, 500);
    heap.set(label, [
      await heapPer(heapN, () => ours(graph, heapN)),
      await heapPer(theirN, () => theirs(ctx, name, theirN)),
    ]);
  }
  for (const [label, graph, ctx, name] of shapes) {
    // warm up both engines
    completeOurs(graph, ours(graph, 200), false);
    completeTheirs(await theirs(ctx, name, 50));

    // best of several rounds, in CPU time: the machine is shared, so wall time mostly measures other processes
    const rate = (r: { completions: number; ms: number }): number => (r.completions / r.ms) * 1000;
    let oursRate = 0;
    let roundTripRate = 0;
    let theirsRate = 0;
    const theirsN = Math.max(50, Math.floor(instances / 20));
    for (let round = 0; round < ROUNDS; round++) {
      oursRate = Math.max(oursRate, rate(completeOurs(graph, ours(graph, instances), false)));
      roundTripRate = Math.max(roundTripRate, rate(completeOurs(graph, ours(graph, instances), true)));
      theirsRate = Math.max(theirsRate, rate(completeTheirs(await theirs(ctx, name, theirsN))));
    }
    results.push(result(`(${label}) user-task completions/s`, 'ops/s', oursRate, theirsRate));
    results.push(
      result(`(${label}) completions/s incl. JSON round trip`, 'ops/s', roundTripRate, theirsRate),
    );

    const [heapOurs, heapTheirs] = heap.get(label) ?? [0, 0];
    results.push(result(`(${label}) heap per waiting instance`, 'bytes', heapOurs, heapTheirs));

    const waiting = ours(graph, 1)[0] as EngineState;
    results.push(
      result(
        `(${label}) serialised state (waiting)`,
        'bytes',
        Buffer.byteLength(JSON.stringify(waiting)),
        null,
      ),
    );
  }
  return { bench: 'engine', results };
}

const bench: Bench = async (args) => {
  const i = args.indexOf('--instances');
  const instances = i >= 0 ? Number(args[i + 1]) : 5000;
  if (!Number.isInteger(instances) || instances < 100)
    throw new Error('--instances must be an integer ≥ 100');
  if (typeof (globalThis as { gc?: unknown }).gc === 'function') return measure(instances);
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, String(instances)], {
    encoding: 'utf8',
    env: { ...process.env, SHIDIAN_ENGINE_BENCH_CHILD: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as BenchReport;
};

export default bench;

if (
  process.env.SHIDIAN_ENGINE_BENCH_CHILD === '1' &&
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  const report = await measure(Number(process.argv[2] ?? 5000));
  process.stdout.write(JSON.stringify(report) + '\n');
}
