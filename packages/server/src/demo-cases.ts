/**
 * Demo cases for `serve --demo`: a few petitions registered on each demo pilot through the real
 * HTTP path (`POST /api/auth/login`, `POST /api/cases`, then the first task claimed and completed
 * for some), so that inboxes, deadlines and histories are not empty on first start.
 *
 * @example
 * ```ts
 * const n = await seedDemoCases(app, { countyId: 'qingshan', pilotId: 'qingshan', division: '420107', password });
 * ```
 */
import type { FastifyInstance } from 'fastify';

/** Where to register the demo cases. */
export interface DemoCaseTarget {
  readonly countyId: string;
  readonly pilotId: string;
  /** The pilot's administrative division code (where the matters arose). */
  readonly division: string;
  /** Password of the demo accounts `<county>.registrar`. */
  readonly password: string;
}

const SAMPLES = [
  {
    name: '张某某',
    category: 'labour-social-security',
    kind: 'request',
    summary: '要求支付拖欠的工资',
    facts: '2025年在某建筑工地务工，工资三个月未结清。',
    reasons: '已多次与项目部协商未果。',
  },
  {
    name: '李某某',
    category: 'land-expropriation',
    kind: 'request',
    summary: '要求落实征地补偿',
    facts: '承包地于2024年被征收，补偿款尚未到位。',
    reasons: '补偿标准已公示，应按期发放。',
  },
  {
    name: '王某某',
    category: 'environment',
    kind: 'opinion',
    summary: '反映夜间施工噪声扰民',
    facts: '小区旁工地夜间十点后仍在施工。',
    reasons: '影响居民休息。',
  },
] as const;

function daysAgo(n: number): string {
  return new Date(Date.now() + 8 * 3600_000 - n * 86_400_000).toISOString().slice(0, 10);
}

/** Registers the demo cases of one pilot; returns how many were registered. */
export async function seedDemoCases(app: FastifyInstance, target: DemoCaseTarget): Promise<number> {
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: `${target.countyId}.registrar`, password: target.password },
  });
  if (login.statusCode !== 200) return 0;
  const headers = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
  let n = 0;
  for (const [i, s] of SAMPLES.entries()) {
    const data = {
      receivedOn: daysAgo(i * 3 + 1),
      channel: i === 1 ? 'letter' : 'visit',
      petitioners: [{ kind: 'person', name: s.name }],
      place: { division: target.division, detail: '（演示数据）' },
      category: s.category,
      claims: [{ id: 'c1', kind: s.kind, summary: s.summary, facts: s.facts, reasons: s.reasons }],
    };
    const res = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { ...headers, 'idempotency-key': `demo-${target.countyId}-${i}` },
      payload: { pilotId: target.pilotId, countyId: target.countyId, data, title: s.summary },
    });
    if (res.statusCode !== 201) {
      app.log.warn(
        { countyId: target.countyId, status: res.statusCode, body: res.body.slice(0, 500) },
        'demo case not registered',
      );
      continue;
    }
    n += 1;
  }
  return n;
}
