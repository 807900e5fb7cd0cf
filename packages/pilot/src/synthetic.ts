/**
 * Realistic synthetic petition cases for demos, load tests and `shidian seed`: intake data that
 * passes the shared intake form (valid ID numbers with check digits, mobile numbers, the pilot's
 * division code, the six claim kinds, collective visits with at most 5 representatives), and a
 * *script* of how each case goes (accepted or not, routing, decision, evaluation, extension, 复查,
 * missed deadlines) with the proportions seen in practice. Deterministic: the same seed gives the
 * same cases.
 */
import type { Json } from '@shidian/engine';

/** A small, fast, seeded PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How a synthetic case goes. */
export interface CaseScript {
  readonly acceptance: 'accept' | 'not-accept' | 'no-longer-accept' | 'litigation';
  readonly routing: 'assign' | 'transfer';
  readonly decision: 'support' | 'explain' | 'not-support';
  readonly satisfaction: 'satisfied' | 'basically-satisfied' | 'dissatisfied' | null;
  readonly extension: boolean;
  readonly review: boolean;
  readonly overdue: boolean;
  /** Days from receipt to each handling step (for realistic timing). */
  readonly pace: {
    readonly register: number;
    readonly route: number;
    readonly signFor: number;
    readonly decide: number;
  };
}

/** One synthetic case. */
export interface SyntheticCase {
  readonly id: string;
  /** Received at (ISO instant, 08:30–17:30 Beijing time on a weekday). */
  readonly receivedAt: string;
  readonly intake: { readonly [k: string]: Json };
  readonly script: CaseScript;
}

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN =
  '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬建国建华志强永刚春梅海燕文华国庆德明淑珍凤英桂芝秀珍';
const CATEGORIES: readonly { id: string; weight: number; claims: readonly string[] }[] = [
  {
    id: 'labour-social-security',
    weight: 18,
    claims: ['要求支付拖欠工资', '要求补缴养老保险', '工伤认定久拖未决', '要求落实退休待遇'],
  },
  {
    id: 'urban-rural-construction',
    weight: 16,
    claims: ['小区物业服务不到位', '房屋质量问题要求维修', '要求办理不动产权证', '施工噪声扰民'],
  },
  {
    id: 'land-expropriation',
    weight: 14,
    claims: ['征地补偿标准过低', '要求落实安置房', '宅基地权属争议', '拆迁补偿款未足额发放'],
  },
  { id: 'agriculture', weight: 10, claims: ['土地承包经营权纠纷', '要求发放种粮补贴', '村务财务不公开'] },
  { id: 'politics-law', weight: 9, claims: ['反映派出所不作为', '要求查处非法集资', '反映执法人员态度粗暴'] },
  { id: 'environment', weight: 8, claims: ['企业排放异味', '河道污染要求整治', '养殖场污染环境'] },
  { id: 'health', weight: 6, claims: ['医疗费用报销争议', '反映医院乱收费'] },
  { id: 'education', weight: 6, claims: ['子女入学安排', '反映学校违规收费'] },
  { id: 'civil-affairs', weight: 6, claims: ['要求纳入低保', '要求落实残疾人补贴'] },
  { id: 'transport', weight: 4, claims: ['道路破损要求维修', '公交线路调整建议'] },
  { id: 'other', weight: 3, claims: ['其他诉求'] },
];
const CHANNELS: readonly [string, number][] = [
  ['visit', 35],
  ['online', 30],
  ['letter', 15],
  ['phone', 15],
  ['fax', 5],
];
const KINDS: readonly [string, number][] = [
  ['request', 45],
  ['appeal', 10],
  ['report', 10],
  ['accusation', 5],
  ['opinion', 15],
  ['suggestion', 15],
];

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** The check character of an 18-character resident ID number (GB 11643). */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

function weighted<T>(rand: () => number, list: readonly (readonly [T, number])[]): T {
  const total = list.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [v, w] of list) {
    r -= w;
    if (r < 0) return v;
  }
  return list[list.length - 1]![0];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Options of {@link syntheticCases}. */
export interface SyntheticOptions {
  /** Number of cases. */
  readonly count: number;
  readonly seed: number;
  /** The pilot's 6-digit division code (ID number prefix and place of the matter). */
  readonly division: string;
  /** Case id prefix. */
  readonly prefix: string;
  /** First receipt date (`YYYY-MM-DD`); cases spread over `days` days from it. */
  readonly from: string;
  readonly days: number;
}

/**
 * Generates synthetic cases (see the module documentation).
 *
 * @example
 * ```ts
 * const cases = syntheticCases({ count: 100, seed: 1, division: '610527', prefix: 'BS', from: '2026-03-02', days: 90 });
 * ```
 */
export function syntheticCases(options: SyntheticOptions): SyntheticCase[] {
  const rand = seededRandom(options.seed);
  const out: SyntheticCase[] = [];
  const start = Date.parse(`${options.from}T00:00:00Z`);
  const person = () => {
    const birth = new Date(
      Date.UTC(1950 + Math.floor(rand() * 55), Math.floor(rand() * 12), 1 + Math.floor(rand() * 28)),
    );
    const first17 = `${options.division}${birth.toISOString().slice(0, 10).replace(/-/g, '')}${pad(Math.floor(rand() * 1000), 3)}`;
    return {
      kind: 'person',
      name: pick(rand, [...SURNAMES]) + pick(rand, [...GIVEN]) + (rand() < 0.6 ? pick(rand, [...GIVEN]) : ''),
      idNumber: first17 + idCheckChar(first17),
      phone: `1${pick(rand, ['3', '5', '7', '8', '9'])}${pad(Math.floor(rand() * 1e9), 9)}`,
    };
  };
  for (let i = 0; i < options.count; i++) {
    // a weekday between 08:30 and 17:30 Beijing time
    let day = start + Math.floor(rand() * options.days) * 86_400_000;
    while ([0, 6].includes(new Date(day).getUTCDay())) day += 86_400_000;
    const receivedAt = new Date(day + (30 + Math.floor(rand() * 540)) * 60_000 + 0 * 3600_000).toISOString();
    const category = weighted(
      rand,
      CATEGORIES.map((c) => [c, c.weight] as const),
    );
    const channel = weighted(rand, CHANNELS);
    const claimCount = 1 + (rand() < 0.25 ? 1 : 0) + (rand() < 0.05 ? 1 : 0);
    const claims = Array.from({ length: claimCount }, (_, k) => {
      const summary = pick(rand, category.claims);
      return {
        id: `c${k + 1}`,
        kind: weighted(rand, KINDS),
        summary,
        facts: `${summary}，已多次向有关部门反映。`,
        reasons: '依照有关法律法规和政策规定。',
      };
    });
    const collective = channel === 'visit' && rand() < 0.08;
    const repeat = rand() < 0.1;
    const levelSkipping = channel === 'visit' && rand() < 0.05;
    const intake: Record<string, Json> = {
      receivedOn: new Date(Date.parse(receivedAt) + 8 * 3600_000).toISOString().slice(0, 10),
      channel,
      petitioners: [person()],
      place: { division: options.division },
      category: category.id,
      claims,
    };
    if (collective) {
      intake.collective = true;
      intake.headCount = 5 + Math.floor(rand() * 56);
      intake.representatives = Array.from({ length: 1 + Math.floor(rand() * 5) }, person);
    }
    if (repeat) {
      intake.repeat = true;
      intake.previousCaseNumber = `${options.prefix}-${new Date(day).getUTCFullYear() - 1}-${pad(1 + Math.floor(rand() * 999), 6)}`;
    }
    if (levelSkipping) intake.levelSkipping = true;
    const roll = rand();
    const acceptance: CaseScript['acceptance'] = levelSkipping
      ? 'not-accept'
      : roll < 0.05
        ? 'litigation'
        : roll < 0.09
          ? 'no-longer-accept'
          : roll < 0.13
            ? 'not-accept'
            : 'accept';
    const decision = weighted<CaseScript['decision']>(rand, [
      ['support', 55],
      ['explain', 30],
      ['not-support', 15],
    ]);
    const evaluated = rand() < 0.85;
    const satisfaction: CaseScript['satisfaction'] = !evaluated
      ? null
      : decision === 'not-support'
        ? weighted(rand, [
            ['dissatisfied', 60],
            ['basically-satisfied', 30],
            ['satisfied', 10],
          ])
        : weighted(rand, [
            ['satisfied', 80],
            ['basically-satisfied', 15],
            ['dissatisfied', 5],
          ]);
    out.push({
      id: `${options.prefix}-${pad(i + 1, 6)}`,
      receivedAt,
      intake,
      script: {
        acceptance,
        routing: rand() < 0.7 ? 'assign' : 'transfer',
        decision,
        satisfaction,
        extension: rand() < 0.05,
        review: decision === 'not-support' && rand() < 0.3,
        overdue: rand() < 0.03,
        pace: {
          register: Math.floor(rand() * 2),
          route: 1 + Math.floor(rand() * 5),
          signFor: Math.floor(rand() * 3),
          decide: 10 + Math.floor(rand() * 40),
        },
      },
    });
  }
  return out;
}
