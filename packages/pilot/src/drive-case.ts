/**
 * Drives one synthetic case through a pilot's reference processes, following its script: the
 * acceptance stage, then (when accepted) handling with an optional extension, a missed sign-for
 * deadline, the decision and the evaluation, then an optional 复查. Works with the three example
 * counties and the reference bundle (Liuhe's mediation room and contact step included).
 */
import type { Actor, Command, Json, TaskState, Variables } from '@shidian/engine';
import type { PilotManifest } from './manifest.js';
import type { PilotRunner } from './pilot-runner.js';
import type { SyntheticCase } from './synthetic.js';

/**
 * What {@link driveCase} needs from a runtime: the in-memory {@link PilotRunner}
 * ({@link memoryDriver}) or the database (`StoreDriver`). Case ids are the caller's (business keys).
 */
export interface CaseDriver {
  readonly manifest: PilotManifest;
  readonly now: string;
  /** Moves the clock forward (never back). */
  at(instant: string): void;
  /** Starts an instance; `message` starts it through the message start event of that name. */
  start(
    processId: string,
    id: string,
    variables: Variables,
    options?: { readonly message?: string },
  ): Promise<void>;
  complete(
    id: string,
    node: string,
    actor: Actor,
    variables?: Variables,
    outcome?: 'approve' | 'reject',
  ): Promise<void>;
  openTasks(id: string): Promise<readonly TaskState[]>;
  send(id: string, command: Command): Promise<void>;
  due(id: string, node: string): Promise<string | undefined>;
  /** Fires every timer due up to `until`. */
  fireDue(until: string): Promise<void>;
}

/** The in-memory runner as a {@link CaseDriver}. */
export function memoryDriver(runner: PilotRunner): CaseDriver {
  return {
    manifest: runner.bundle.manifest,
    get now() {
      return runner.now;
    },
    at: (i) => void runner.at(i),
    start: (p, id, v, o) =>
      Promise.resolve(void runner.start(p, id, v, o?.message !== undefined ? { message: o.message } : {})),
    complete: (id, node, actor, v, o) => Promise.resolve(runner.complete(id, node, actor, v, o)),
    openTasks: (id) => Promise.resolve(runner.openTasks(id)),
    send: (id, c) => Promise.resolve(runner.send(id, c)),
    due: (id, node) => Promise.resolve(runner.due(id, node)),
    fireDue: (until) => Promise.resolve(void runner.fireDue(until)),
  };
}

const DAY = 86_400_000;

/** What happened to a driven case. */
export interface DrivenCase {
  readonly id: string;
  readonly instances: readonly string[];
  readonly outcome:
    'closed' | 'not-accepted' | 'no-longer-accepted' | 'litigation' | 'duplicate' | 'mediated' | 'open';
}

/** Units and actors used for one county (derived from its manifest). */
function actors(runner: CaseDriver, unit: string) {
  const roles = new Set(runner.manifest.roles.map((r) => r.id));
  const a = (id: string, ...groups: string[]): Actor => ({
    id,
    groups: groups.filter((g) => roles.has(g)),
    units: [unit, 'mediation-room', 'review-committee'],
  });
  return {
    registrar: a('registrar-1', 'registrar'),
    reviewer: a('reviewer-1', 'reviewer', 'lawyer'),
    handler: a('handler-1', 'handler'),
    head: a('head-1', 'head'),
    leader: a('leader-1', 'leader'),
    mediator: a('mediator-1', 'mediator'),
    supervisor: a('supervisor-1', 'supervisor'),
    committee: (n: number) => a(`committee-${n}`, 'committee'),
  };
}

async function has(runner: CaseDriver, id: string, node: string): Promise<boolean> {
  return (await runner.openTasks(id)).some((t) => t.node === node);
}

/** The first unit of kind township/team/department in the manifest: where handling goes. */
function handlingUnit(runner: CaseDriver): string {
  const stack = [...runner.manifest.units];
  while (stack.length > 0) {
    const u = stack.shift()!;
    if (u.kind === 'township' || u.kind === 'team' || u.kind === 'department') return u.id;
    stack.push(...(u.children ?? []));
  }
  return runner.manifest.units[0]!.id;
}

/**
 * Runs a synthetic case on `runner` (its clock moves forward; cases must be driven in receipt order).
 *
 * @example
 * ```ts
 * for (const c of syntheticCases({ … })) await driveCase(memoryDriver(new PilotRunner(bundle, c.receivedAt)), c);
 * ```
 */
export async function driveCase(runner: CaseDriver, c: SyntheticCase): Promise<DrivenCase> {
  const unit = handlingUnit(runner);
  const who = actors(runner, unit);
  const s = c.script;
  const t0 = Date.parse(c.receivedAt);
  const at = (days: number, hours = 0) =>
    runner.at(new Date(t0 + days * DAY + hours * 3600_000).toISOString());
  const instances = [c.id];
  at(0);
  await runner.start('acceptance', c.id, {});
  if (await has(runner, c.id, 'Task_Mediation')) {
    const settled = s.acceptance === 'accept' && s.decision === 'support' && s.pace.decide < 14;
    await runner.complete(
      c.id,
      'Task_Mediation',
      who.mediator,
      settled
        ? { mediationResult: 'agreement', agreement: '双方达成调解协议' }
        : { mediationResult: 'failed' },
    );
    if (settled) return { id: c.id, instances, outcome: 'mediated' };
  }
  at(s.pace.register, 1);
  await runner.complete(c.id, 'Task_Register', who.registrar, c.intake as Variables);
  if (await has(runner, c.id, 'Task_Merge')) {
    await runner.complete(c.id, 'Task_Merge', who.registrar, { opinion: '并入原件办理' });
    return { id: c.id, instances, outcome: 'duplicate' };
  }
  const reasons: Record<string, Variables> = {
    'not-accept': {
      acceptanceReason:
        c.intake.levelSkipping === true ? '越级走访，应向有权处理的本级机关提出' : '该事项已在办理期限内',
      legalBasis: '《信访工作条例》',
    },
    'no-longer-accept': { acceptanceReason: '同一事实和理由已经复核终结', legalBasis: '《信访工作条例》' },
    litigation: { acceptanceReason: '属于应当通过诉讼解决的事项', legalBasis: '《信访工作条例》第三十一条' },
    accept: {},
  };
  await runner.complete(c.id, 'Task_Classify', who.reviewer, {
    acceptance: s.acceptance,
    ...reasons[s.acceptance],
  });
  if (s.acceptance === 'not-accept') {
    await runner.complete(c.id, 'Task_NotAccepted', who.registrar);
    return { id: c.id, instances, outcome: 'not-accepted' };
  }
  if (s.acceptance === 'no-longer-accept') {
    await runner.complete(c.id, 'Task_NoLonger', who.registrar);
    return { id: c.id, instances, outcome: 'no-longer-accepted' };
  }
  if (s.acceptance === 'litigation') return { id: c.id, instances, outcome: 'litigation' };
  at(s.pace.register + s.pace.route, 2);
  await runner.complete(c.id, 'Task_Route', who.reviewer, { routing: s.routing, responsibleUnit: unit });

  // handling by the responsible unit
  const h = `${c.id}.handling`;
  instances.push(h);
  await runner.start('handling', h, {
    caseUnit: unit,
    petitioners: c.intake.petitioners ?? null,
    claims: c.intake.claims ?? null,
  });
  if (s.overdue) {
    const due = await runner.due(h, 'Task_SignFor');
    if (due !== undefined) await runner.fireDue(new Date(Date.parse(due) + 3600_000).toISOString());
  } else at(s.pace.register + s.pace.route + s.pace.signFor, 3);
  await runner.complete(h, 'Task_SignFor', who.handler);
  if (await has(runner, h, 'Task_Contact'))
    await runner.complete(h, 'Task_Contact', who.handler, {
      contact: { contactedOn: c.intake.receivedOn as Json, means: '电话' },
    });
  const decideAt = s.pace.register + s.pace.route + s.pace.decide;
  if (s.extension) {
    at(decideAt - 5, 1);
    await runner.complete(h, 'Task_Investigate', who.handler, {
      investigation: '需要进一步鉴定',
      extensionRequested: true,
      hearingNeeded: false,
    });
    await runner.complete(h, 'Task_RequestExtension', who.handler, {
      extension: { reason: '需要委托鉴定', days: 30 },
    });
    await runner.complete(h, 'Task_ApproveExtension', who.head, {
      extension: { reason: '需要委托鉴定', days: 30, approved: true, approvedBy: who.head.id },
    });
  }
  at(decideAt + (s.extension ? 20 : 0), 1);
  await runner.complete(h, 'Task_Investigate', who.handler, {
    investigation: '调取有关材料，询问有关人员',
    extensionRequested: false,
    hearingNeeded: false,
  });
  const claims = Array.isArray(c.intake.claims) ? (c.intake.claims as { id: string }[]) : [];
  const decisions = claims.map((cl) => ({
    claimId: cl.id,
    decision: s.decision,
    findings: '经查，基本事实清楚。',
    legalBasis: '有关法律法规和政策规定',
    text: '依法作出处理。',
  }));
  await runner.complete(h, 'Task_Draft', who.handler, { decisions });
  await runner.complete(h, 'Task_Review', who.reviewer, { opinion: '同意' });
  at(decideAt + (s.extension ? 22 : 2), 2);
  await runner.complete(h, 'Task_SignOff', who.leader, { opinion: '同意签发' });
  at(decideAt + (s.extension ? 25 : 5), 2);
  await runner.complete(
    h,
    'Task_Evaluate',
    who.handler,
    s.satisfaction === null
      ? {}
      : {
          satisfaction: s.satisfaction,
          evaluatedOn: new Date(Date.parse(runner.now) + 8 * 3600_000).toISOString().slice(0, 10),
        },
  );
  if (!s.review) return { id: c.id, instances, outcome: 'closed' };

  // 复查 within 30 days of receiving the decision
  const r = `${c.id}.review`;
  instances.push(r);
  at(decideAt + (s.extension ? 40 : 20), 1);
  const today = new Date(Date.parse(runner.now) + 8 * 3600_000).toISOString().slice(0, 10);
  await runner.start('review', r, {
    caseUnit: unit,
    committeeMembers: ['m1', 'm2', 'm3'],
    requestedOn: today,
    decisionReceivedOn: today,
    originalDocument: `${c.id}-处理意见书`,
    reasons: '对处理意见不服',
  });
  await runner.complete(r, 'Task_CheckRequest', who.reviewer, { withinLimit: true });
  if (await has(runner, r, 'Task_PolicyCheck')) {
    await runner.complete(r, 'Task_PolicyCheck', who.handler, { investigation: '政策依据核查' });
    const members = (await runner.openTasks(r)).filter((t) => t.node === 'Task_Committee');
    for (const [i, t] of members.slice(0, 2).entries())
      await runner.send(r, {
        type: 'complete',
        taskId: t.id,
        actor: who.committee(i + 1),
        outcome: 'approve',
        variables: {},
      });
  } else await runner.complete(r, 'Task_Investigate', who.reviewer, { investigation: '复查调查' });
  at(decideAt + (s.extension ? 55 : 35), 1);
  await runner.complete(r, 'Task_Decide', who.reviewer, {
    decisions: decisions.map((d) => ({ ...d, decision: 'explain' })),
  });
  await runner.complete(r, 'Task_SignOff', who.leader, { opinion: '同意' });
  if (await has(runner, r, 'Task_FollowUp'))
    await runner.complete(r, 'Task_FollowUp', who.handler, { followUp: '已落实' });
  return { id: c.id, instances, outcome: 'closed' };
}
