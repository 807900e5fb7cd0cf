/**
 * Replay: recorded command histories (`fixtures/replay/*.json`) are run again and must give the
 * recorded states and effects byte for byte. A change of behaviour shows up here first; after an
 * intended change, re-record with `UPDATE_REPLAY=1 pnpm vitest run packages/engine/src/replay.test.ts`
 * and review the diff.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { step } from './step.js';
import { Driver, fixture, user } from './testing.js';
import type { Command, EngineState } from './types.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'replay');

interface Recording {
  readonly fixture: string;
  readonly process: string;
  readonly history: readonly { readonly command: Command; readonly now: string }[];
  /** sha256 of `JSON.stringify({ state, effects })` after each step. */
  readonly steps: readonly string[];
  readonly finalState: string;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Scenarios: each drives an instance through many moves. */
const scenarios: Record<string, { fixture: string; process: string; drive: (d: Driver) => void }> = {
  'approval-moves': {
    fixture: 'approval.bpmn',
    process: 'approval',
    drive(d) {
      const r1 = user('r1', 'registrar');
      const v1 = user('v1', 'reviewer');
      const l1 = user('l1', 'leader');
      d.start({ petitioner: { name: '张三' }, claims: ['补发工资'] });
      d.complete('register', r1, { category: '劳动社保' });
      d.do({ type: 'withdraw', actor: r1, comment: '补充分类' });
      d.complete('register', r1, { category: '劳动社保', subcategory: '欠薪' });
      const review = d.task('review').id;
      d.do({ type: 'claim', taskId: review, actor: v1 });
      d.do({ type: 'save-draft', taskId: review, actor: v1, variables: { opinion: '拟受理' } });
      d.do({ type: 'add-signers', taskId: review, users: ['expert'], position: 'before', actor: v1 });
      d.do({
        type: 'complete',
        taskId: d.tasks('review').find((t) => t.assignee === 'expert')?.id ?? '',
        actor: user('expert'),
        comment: '属实',
      });
      d.do({ type: 'cc', taskId: review, users: ['boss'], actor: v1 });
      d.do({ type: 'complete', taskId: review, actor: v1, variables: { opinion: '受理' } });
      d.do({ type: 'suspend', reason: '听证', actor: l1 });
      d.advance(3 * 86_400_000);
      d.do({ type: 'resume', actor: l1 });
      d.do({
        type: 'extend-deadline',
        taskId: d.task('approve').id,
        period: '30d',
        approver: '局长',
        reason: '情况复杂',
        actor: l1,
      });
      d.do({ type: 'return', taskId: d.task('approve').id, target: 'register', actor: l1, comment: '补正' });
      d.complete('register', r1);
      d.do({ type: 'urge', taskId: d.task('approve').id, actor: r1 });
      d.do({ type: 'delegate', taskId: d.task('approve').id, to: 'deputy', actor: l1 });
      d.do({
        type: 'resolve',
        taskId: d.task('approve').id,
        actor: user('deputy'),
        variables: { draftDecision: '支持' },
      });
      d.complete('approve', l1, { decision: '予以支持' });
    },
  },
  'countersign-and-events': {
    fixture: 'multi-instance.bpmn',
    process: 'ratio',
    drive(d) {
      d.start({ signers: ['a', 'b', 'c', 'd', 'e'] });
      const t = (who: string): string => d.tasks('ratio_sign').find((x) => x.assignee === who)?.id ?? '';
      d.do({ type: 'add-signers', taskId: t('a'), users: ['f'], position: 'alongside', actor: user('a') });
      d.do({
        type: 'complete',
        taskId: t('a'),
        actor: user('a'),
        outcome: 'approve',
        variables: { opinion: '同意' },
      });
      d.do({ type: 'remove-signer', taskId: t('b'), signerTaskId: t('f'), actor: user('b') });
      d.do({
        type: 'complete',
        taskId: t('b'),
        actor: user('b'),
        outcome: 'reject',
        variables: { opinion: '不同意' },
      });
      d.do({
        type: 'complete',
        taskId: t('c'),
        actor: user('c'),
        outcome: 'approve',
        variables: { opinion: '同意' },
      });
      d.do({
        type: 'complete',
        taskId: t('d'),
        actor: user('d'),
        outcome: 'approve',
        variables: { opinion: '同意' },
      });
    },
  },
  'sub-process-incident': {
    fixture: 'incident.bpmn',
    process: 'incident',
    drive(d) {
      d.start({});
      d.do({ type: 'set-variables', variables: { score: 9, people: 'x' }, actor: user('admin') });
      d.do({ type: 'retry-incident', incidentId: Object.keys(d.s.incidents)[0] ?? '', actor: user('admin') });
      d.complete('a', user('u', 'g'));
      d.do({ type: 'set-variables', variables: { people: ['p1', 'p2'] }, actor: user('admin') });
      d.do({ type: 'retry-incident', incidentId: Object.keys(d.s.incidents)[0] ?? '', actor: user('admin') });
      for (const task of d.tasks('signers'))
        d.do({ type: 'complete', taskId: task.id, actor: user(task.assignee ?? '') });
    },
  },
};

async function record(name: string): Promise<Recording> {
  const sc = scenarios[name];
  if (sc === undefined) throw new Error(name);
  const d = new Driver(await fixture(sc.fixture, sc.process));
  const steps: string[] = [];
  const original = d.try.bind(d);
  d.try = (command) => {
    const r = original(command);
    if (r.ok) steps.push(sha(JSON.stringify({ state: r.state, effects: r.effects })));
    return r;
  };
  sc.drive(d);
  return {
    fixture: sc.fixture,
    process: sc.process,
    history: d.history,
    steps,
    finalState: JSON.stringify(d.s),
  };
}

describe('replay of recorded command histories', () => {
  for (const name of Object.keys(scenarios)) {
    it(`given the recorded history "${name}", when replayed, then every state and effect list is byte-identical`, async () => {
      const file = join(dir, `${name}.json`);
      if (process.env.UPDATE_REPLAY === '1' || !existsSync(file)) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, JSON.stringify(await record(name), null, 1) + '\n');
      }
      const rec = JSON.parse(readFileSync(file, 'utf8')) as Recording;
      const graph = await fixture(rec.fixture, rec.process);
      let state: EngineState | null = null;
      rec.history.forEach((h, i) => {
        const r = step(graph, state, h.command, h.now);
        expect(r.ok).toBe(true);
        expect(sha(JSON.stringify({ state: r.state, effects: r.effects }))).toBe(rec.steps[i]);
        state = r.state;
      });
      expect(JSON.stringify(state)).toBe(rec.finalState);
    });
  }
});
