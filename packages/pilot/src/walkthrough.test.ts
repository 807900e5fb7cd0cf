/**
 * Walkthroughs of the three example counties, through the engine alone (in memory) and through the
 * engine and the store (PGlite, the same code as production), with each county's own calendar and
 * configuration: a first-time claim from registration to evaluation with the exact due date of
 * every step, a 不予受理 (level-skipping visit) with its notice, an extension, a 复查 after an
 * unfavourable decision, and a timeout that creates a supervision task.
 *
 * Dates: received Monday 2026-09-21 09:00 Beijing time. The 2026 schedule has 中秋 on 9-25…9-27 and
 * 国庆 on 10-1…10-7 with make-up workdays on Sunday 9-20 and Saturday 10-10. Due instants are the end
 * of the due day in Beijing (16:00 UTC).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Budget, EngineState, Variables } from '@shidian/engine';
import { createPilot, deploy, type Store } from '@shidian/store';
import { createTestStore } from '@shidian/store/testing';
import { loadBundle, type PilotBundle } from './bundle.js';
import { memoryDriver, type CaseDriver } from './drive-case.js';
import { PilotError } from './errors.js';
import { platformSchemas } from './platform-schemas.js';
import { PilotRunner } from './pilot-runner.js';
import { renderNotice } from './render-notice.js';
import { StoreDriver } from './store-driver.js';
import { validateBundle, type ValidatedBundle } from './validate-bundle.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const RECEIVED = '2026-09-21T01:00:00.000Z';
const endOf = (day: string) =>
  new Date(Date.parse(`${day}T16:00:00.000Z`) - 24 * 3600 * 1000)
    .toISOString()
    .replace(/T.*/, 'T16:00:00.000Z');
// endOf('2026-10-08') is the instant 2026-10-08 24:00 Beijing = 2026-10-08T16:00Z
const dueOn = (day: string) =>
  endOf(new Date(Date.parse(`${day}T00:00:00Z`) + 24 * 3600 * 1000).toISOString().slice(0, 10));

const registrar: Actor = { id: 'registrar-1', groups: ['registrar'] };
const reviewer: Actor = { id: 'reviewer-1', groups: ['reviewer'] };
const leader: Actor = { id: 'leader-1', groups: ['leader'] };
const handler: Actor = { id: 'handler-1', groups: ['handler'], units: ['town-east'] };
const head: Actor = { id: 'head-1', groups: ['head'], units: ['town-east'] };
const supervisor: Actor = { id: 'supervisor-1', groups: ['supervisor'] };

const intake = (extra: Variables = {}): Variables => ({
  receivedOn: '2026-09-21',
  channel: 'visit',
  petitioners: [{ kind: 'person', name: '张某某', idNumber: '330102199001011234' }],
  place: { division: '330102' },
  category: 'labour-social-security',
  claims: [
    {
      id: 'c1',
      kind: 'request',
      summary: '要求支付拖欠工资',
      facts: '在某建筑公司务工被拖欠工资',
      reasons: '劳动合同约定',
    },
  ],
  ...extra,
});

const COUNTIES = ['qingshan', 'baishui', 'liuhe'] as const;
type County = (typeof COUNTIES)[number];
const BACKENDS = ['engine', 'engine+store'] as const;
type Backend = (typeof BACKENDS)[number];
const bundles = new Map<County, ValidatedBundle>();
let store: Store;

beforeAll(async () => {
  store = await createTestStore();
  await store.counties.create({ countyId: 'demo', name: '示范省', shortName: '示范', kind: 'province' });
  for (const c of COUNTIES) {
    const loaded: PilotBundle = loadBundle(join(root, 'examples', c));
    const report = await validateBundle(loaded);
    expect(report.problems).toEqual([]);
    const bundle = report.bundle!;
    bundles.set(c, bundle);
    await store.counties.create({
      countyId: c,
      name: bundle.manifest.name.zh,
      shortName: c,
      parentId: 'demo',
    });
    await createPilot(store.db, { countyId: c, pilotId: c, name: bundle.manifest.name.zh });
    const forms = Object.fromEntries(
      bundle.manifest.forms.map((f) => [f.id, JSON.parse(loaded.files.get(f.file)!) as unknown]),
    );
    await deploy(store.db, {
      countyId: c,
      pilotId: c,
      bundle: {
        files: Object.fromEntries(loaded.files),
        manifest: bundle.manifest,
        graphs: [...bundle.graphs.values()],
        forms,
      },
    });
  }
}, 120_000);

afterAll(async () => {
  await store?.close();
});

/** One walkthrough's view of a backend. */
interface Harness {
  readonly d: CaseDriver;
  state(id: string): Promise<EngineState>;
  notices(): Promise<string[]>;
  budget(id: string, name: string): Promise<Budget | undefined>;
  /** Business ids of the instances of a process started so far. */
  instancesOf(processId: string): Promise<string[]>;
}

function harness(backend: Backend, county: County, start: string): Harness {
  const bundle = bundles.get(county)!;
  if (backend === 'engine') {
    const run = new PilotRunner(bundle, start);
    return {
      d: memoryDriver(run),
      state: (id) => Promise.resolve(run.instance(id).state),
      notices: () => Promise.resolve(run.notices.map((n) => n.template)),
      budget: (id, name) => Promise.resolve(run.budget(id, name)),
      instancesOf: (p) =>
        Promise.resolve(
          [...run.instances.values()].filter((i) => i.processId === p).map((i) => i.instanceId),
        ),
    };
  }
  const driver = new StoreDriver(store, { countyId: county, pilotId: county, bundle, start });
  return {
    d: driver,
    state: (id) => driver.state(id),
    notices: () => driver.notices(),
    budget: async (id, name) => Object.values((await driver.state(id)).budgets).find((b) => b.name === name),
    instancesOf: async (p) => {
      const out: string[] = [];
      for (const id of driver.caseIds.keys()) if ((await driver.state(id)).processId === p) out.push(id);
      return out;
    },
  };
}

/** The engine's code behind a refusal, from either backend. */
function engineCodeOf(err: unknown): string | undefined {
  if (err instanceof PilotError) return (err.cause as { code?: string } | undefined)?.code;
  const e = err as { code?: string; details?: { engineCode?: string } };
  return e.code === 'STORE_ERR_ENGINE_REJECTED' ? e.details?.engineCode : undefined;
}

const nodesOf = async (h: Harness, id: string) => (await h.d.openTasks(id)).map((t) => t.node);

/** Registration and the acceptance decision, as each county does it. */
async function accept(
  h: Harness,
  county: County,
  id: string,
  decision: string,
  extra: Variables = {},
): Promise<void> {
  const run = h.d;
  await run.start('acceptance', id, {});
  if (county === 'liuhe') {
    // the mediation room first (评理室): 1 day, internal
    expect(await run.due(id, 'Task_Mediation')).toBe(dueOn('2026-09-22'));
    await run.complete(
      id,
      'Task_Mediation',
      { id: 'mediator-1', groups: ['mediator'], units: ['mediation-room'] },
      { mediationResult: 'failed' },
    );
  }
  // 15 days from receipt end on 10-06, a holiday: rolled to the next working day, 10-08
  expect(await run.due(id, 'Task_Register')).toBe(dueOn('2026-10-08'));
  await run.complete(id, 'Task_Register', registrar, intake(extra));
  expect(await run.due(id, 'Task_Classify')).toBe(dueOn('2026-10-08'));
  await run.complete(id, 'Task_Classify', reviewer, {
    acceptance: decision,
    ...(decision === 'accept' ? {} : { acceptanceReason: '越级走访', legalBasis: '《信访工作条例》' }),
  });
}

/** Handling up to the delivered decision; returns the handling instance id. */
async function handle(
  hs: Harness,
  county: County,
  id: string,
  decision: 'support' | 'not-support',
): Promise<string> {
  const run = hs.d;
  const h = `${id}.handling`;
  run.at('2026-09-23T02:00:00.000Z');
  await run.start('handling', h, { caseUnit: 'town-east' });
  // sign for: the statutory 15 days (10-08), or Liuhe's internal 1 day
  expect(await run.due(h, 'Task_SignFor')).toBe(
    county === 'liuhe' ? dueOn('2026-09-24') : dueOn('2026-10-08'),
  );
  run.at('2026-09-24T02:00:00.000Z');
  await run.complete(h, 'Task_SignFor', handler);
  if (county === 'liuhe') {
    // contact within 3 days: 9-27 is a Sunday inside 中秋, rolled to Monday 9-28
    expect(await run.due(h, 'Task_Contact')).toBe(dueOn('2026-09-28'));
    await run.complete(h, 'Task_Contact', handler, { contact: { contactedOn: '2026-09-25', means: '电话' } });
  }
  // 60 days from 9-24 → 11-23, for every step up to the signed decision
  expect(await run.due(h, 'Task_Investigate')).toBe(dueOn('2026-11-23'));
  run.at('2026-10-20T02:00:00.000Z');
  await run.complete(h, 'Task_Investigate', handler, {
    investigation: '调取考勤与工资台账',
    extensionRequested: false,
    hearingNeeded: false,
  });
  expect(await run.due(h, 'Task_Draft')).toBe(dueOn('2026-11-23'));
  const decisions = [
    { claimId: 'c1', decision, findings: '查明', legalBasis: '《保障农民工工资支付条例》', text: '说明' },
  ];
  await run.complete(h, 'Task_Draft', handler, { decisions });
  expect(await run.due(h, 'Task_Review')).toBe(dueOn('2026-11-23'));
  await run.complete(h, 'Task_Review', { ...reviewer, units: ['town-east'] });
  expect(await run.due(h, 'Task_SignOff')).toBe(dueOn('2026-11-23'));
  run.at('2026-11-02T02:00:00.000Z');
  await run.complete(h, 'Task_SignOff', { ...leader, units: ['town-east'] });
  return h;
}

describe.each(BACKENDS.flatMap((b) => COUNTIES.map((c) => [c, b] as const)))(
  '%s through the %s',
  (county, backend) => {
    it('a first-time claim: registration → routing → handling → decision → evaluation, with every due date', async () => {
      const hs = harness(backend, county, RECEIVED);
      const run = hs.d;
      await accept(hs, county, 'C1', 'accept');
      expect(await run.due('C1', 'Task_Route')).toBe(dueOn('2026-10-08'));
      await run.complete('C1', 'Task_Route', reviewer, { routing: 'assign', responsibleUnit: 'town-east' });
      expect((await hs.state('C1')).status).toBe('completed');
      const h = await handle(hs, county, 'C1', 'support');
      // the decision is delivered; satisfaction evaluation has 30 days (internal): 11-02 → 12-02
      expect(await run.due(h, 'Task_Evaluate')).toBe(dueOn('2026-12-02'));
      await run.complete(h, 'Task_Evaluate', handler, {
        satisfaction: 'satisfied',
        evaluatedOn: '2026-11-05',
      });
      expect((await hs.state(h)).status).toBe('completed');
      expect(await hs.notices()).toEqual(['acceptance', 'routing', 'decision']);
      // no supervision was started: nothing went overdue
      expect(await hs.instancesOf('supervision')).toEqual([]);
    });

    it('a level-skipping visit is not accepted: registered only, with its notice, never routed', async () => {
      const hs = harness(backend, county, RECEIVED);
      const run = hs.d;
      await accept(hs, county, 'C2', 'not-accept', { levelSkipping: true });
      await run.complete('C2', 'Task_NotAccepted', registrar);
      const state = await hs.state('C2');
      expect(state.status).toBe('completed');
      expect(await hs.notices()).toEqual(['non-acceptance']);
      expect(await run.openTasks('C2')).toEqual([]);
      // the notice renders from the case's data
      const vars = state.scopes.s0!.variables as unknown as {
        petitioners: { name: string }[];
        claims: { summary: string }[];
        acceptanceReason: string;
      };
      const html = renderNotice(
        {
          template: readFileSync(join(root, 'schemas', 'notices', 'non-acceptance.html'), 'utf8'),
          dataSchema: platformSchemas()['notices/non-acceptance.schema.json']!,
        },
        {
          documentNumber: '信不受〔2026〕1号',
          caseNumber: 'C2',
          issuedOn: '2026-09-22',
          issuer: { name: '县信访局' },
          petitioner: { name: vars.petitioners[0]!.name },
          receivedOn: '2026-09-21',
          channelLabel: '来访',
          claims: vars.claims.map((c) => ({ kindLabel: '求决', summary: c.summary })),
          reason: vars.acceptanceReason,
          legalBasis: '《信访工作条例》',
          competentChannel: '依法逐级向有权处理的机关',
        },
      );
      expect(html).toContain('不予受理告知书');
      expect(html).toContain('张某某');
      expect(html).toContain('越级走访');
    });

    it('an extension: requested, approved by the head, once, with its notice', async () => {
      const hs = harness(backend, county, RECEIVED);
      const run = hs.d;
      const h = 'C3.handling';
      run.at('2026-09-23T02:00:00.000Z');
      await run.start('handling', h, { caseUnit: 'town-east' });
      await run.complete(h, 'Task_SignFor', handler);
      if (county === 'liuhe')
        await run.complete(h, 'Task_Contact', handler, { contact: { contactedOn: '2026-09-24' } });
      const before = (await hs.budget(h, 'handling'))!;
      expect(before.due).toBe(dueOn('2026-11-23')); // 60 days from 9-23 end on Sunday 11-22: rolled to Monday 11-23
      run.at('2026-11-10T02:00:00.000Z');
      await run.complete(h, 'Task_Investigate', handler, {
        investigation: '需要司法鉴定',
        extensionRequested: true,
      });
      await run.complete(h, 'Task_RequestExtension', handler, {
        extension: { reason: '需要委托司法鉴定', days: 30 },
      });
      await run.complete(h, 'Task_ApproveExtension', head, {
        extension: { reason: '需要委托司法鉴定', days: 30, approved: true, approvedBy: '王某' },
      });
      const after = (await hs.budget(h, 'handling'))!;
      expect(after.extensions?.map((e) => [e.period, e.approver, e.reason])).toEqual([
        ['30d', '王某', '需要委托司法鉴定'],
      ]);
      // the 30 days continue from the 60th day (Sunday 11-22), not from the rolled-over 11-23
      expect(after.due).toBe(dueOn('2026-12-22'));
      expect(await hs.notices()).toEqual(['extension']);
      // back to investigation; asking again does not offer a second extension (the gateway sends it on to the decision)
      await run.complete(h, 'Task_Investigate', handler, {
        investigation: '鉴定完成',
        extensionRequested: true,
      });
      expect(await nodesOf(hs, h)).toEqual(['Task_Draft']);
      // and the engine refuses a second extension of the statutory budget outright
      let refused: unknown;
      try {
        await run.send(h, {
          type: 'extend-deadline',
          budgetId: after.id,
          period: '10d',
          approver: '王某',
          reason: '再次延期',
          actor: head,
        });
      } catch (err) {
        refused = err;
      }
      expect(engineCodeOf(refused)).toBe('ENG_ERR_EXTENSION_LIMIT');
    });

    it('a 复查 after an unfavourable decision: requested within 30 days, decided within 30', async () => {
      const hs = harness(backend, county, RECEIVED);
      const run = hs.d;
      await handle(hs, county, 'C4', 'not-support');
      expect(await hs.notices()).toEqual(['decision']);
      // the petitioner receives the decision on 11-03 and asks for 复查 on 11-20 (within 30 days)
      run.at('2026-11-20T02:00:00.000Z');
      const r = 'C4.review';
      const request = {
        requestedOn: '2026-11-20',
        decisionReceivedOn: '2026-11-03',
        originalDocument: '人社信〔2026〕5号',
        reasons: '不服',
      };
      await run.start('review', r, {
        caseUnit: 'town-east',
        committeeMembers: ['m1', 'm2', 'm3'],
        ...request,
      });
      // checking the request: 15 days (12-05 is a Saturday: rolled to Monday 12-07)
      expect(await run.due(r, 'Task_CheckRequest')).toBe(dueOn('2026-12-07'));
      await run.complete(
        r,
        'Task_CheckRequest',
        county === 'baishui' ? { id: 'lawyer-1', groups: ['lawyer'] } : reviewer,
        { withinLimit: true },
      );
      if (county === 'baishui') {
        // four steps: departments check the policy basis, then the committee office meeting decides by majority
        expect(await run.due(r, 'Task_PolicyCheck')).toBe(dueOn('2026-12-21'));
        await run.complete(r, 'Task_PolicyCheck', handler, { investigation: '政策依据核查' });
        const members = (await run.openTasks(r)).filter((t) => t.node === 'Task_Committee');
        expect(members).toHaveLength(3);
        await run.send(r, {
          type: 'complete',
          taskId: members[0]!.id,
          actor: { id: 'm1', groups: ['committee'], units: ['review-committee'] },
          outcome: 'approve',
          variables: {},
        });
        await run.send(r, {
          type: 'complete',
          taskId: members[1]!.id,
          actor: { id: 'm2', groups: ['committee'], units: ['review-committee'] },
          outcome: 'approve',
          variables: {},
        });
      } else {
        // the review decides within 30 days of the request: 11-20 → 12-20 (a Sunday) → 12-21
        expect(await run.due(r, 'Task_Investigate')).toBe(dueOn('2026-12-21'));
        await run.complete(r, 'Task_Investigate', reviewer, { investigation: '复查调查' });
      }
      expect(await run.due(r, 'Task_Decide')).toBe(dueOn('2026-12-21'));
      await run.complete(r, 'Task_Decide', reviewer, {
        decisions: [
          { claimId: 'c1', decision: 'explain', findings: '查明', legalBasis: '依据', text: '解释说明' },
        ],
      });
      await run.complete(r, 'Task_SignOff', leader);
      if (county === 'baishui') await run.complete(r, 'Task_FollowUp', handler, { followUp: '已落实' });
      expect((await hs.state(r)).status).toBe('completed');
      expect(await hs.notices()).toEqual(['decision', 'review-decision']);
    });

    it('a 复查 request made after the 30 days is not accepted', async () => {
      const hs = harness(backend, county, '2026-12-15T02:00:00.000Z');
      const run = hs.d;
      await run.start('review', 'C5', {
        caseUnit: 'town-east',
        requestedOn: '2026-12-15',
        decisionReceivedOn: '2026-11-03',
        originalDocument: '人社信〔2026〕5号',
        reasons: '不服',
      });
      await run.complete(
        'C5',
        'Task_CheckRequest',
        county === 'baishui' ? { id: 'lawyer-1', groups: ['lawyer'] } : reviewer,
        { withinLimit: false },
      );
      expect((await hs.state('C5')).status).toBe('completed');
      expect(await hs.notices()).toEqual(['non-acceptance']);
    });

    it('a missed deadline escalates the task and starts a supervision task', async () => {
      const hs = harness(backend, county, '2026-09-23T02:00:00.000Z');
      const run = hs.d;
      const h = 'C6.handling';
      await run.start('handling', h, { caseUnit: 'town-east' });
      const due = (await run.due(h, 'Task_SignFor'))!;
      expect(due).toBe(county === 'liuhe' ? dueOn('2026-09-24') : dueOn('2026-10-08'));
      // nobody signs for it; the timer worker fires the deadline
      await run.fireDue(new Date(Date.parse(due) + 3600_000).toISOString());
      expect((await run.openTasks(h)).find((t) => t.node === 'Task_SignFor')?.candidateGroups).toEqual([
        'handler',
        'supervisor',
      ]);
      const sv = await hs.instancesOf('supervision');
      expect(sv).toHaveLength(1);
      const sid = sv[0]!;
      expect((await hs.state(sid)).scopes.s0?.variables).toMatchObject({
        caseId: h,
        element: 'Task_SignFor',
        due,
      });
      // 督办 within 3 working days of the day after the due date
      // (it starts at the instant the deadline ran out, 24:00 = the next day 00:00, which is not counted;
      // Liuhe: from 9-25 (中秋) → 9-28, 9-29, 9-30; others: from 10-09 → Saturday 10-10 (a make-up workday), 10-12, 10-13)
      expect(await run.due(sid, 'Task_Supervise')).toBe(
        county === 'liuhe' ? dueOn('2026-09-30') : dueOn('2026-10-13'),
      );
      await run.complete(sid, 'Task_Supervise', supervisor, {
        finding: '未按期签收',
        correctionNeeded: true,
      });
      await run.complete(sid, 'Task_Correct', handler, { correction: '已签收并联系信访人' });
      await run.complete(sid, 'Task_Verify', supervisor, { accountabilityNeeded: true });
      await run.complete(sid, 'Task_Accountability', supervisor, {
        accountability: { conduct: 'delay', persons: '某某', measure: '批评教育' },
      });
      expect((await hs.state(sid)).status).toBe('completed');
    });
  },
);
