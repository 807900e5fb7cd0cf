/**
 * The pilot manifest (`pilot.yaml` or `pilot.json`), as described by `schemas/pilot.schema.json`.
 * These types mirror the schema; a manifest is only typed after it passed that schema.
 */
import type { Stage } from '@shidian/bpmn';
import type { PilotCalendarConfig } from '@shidian/calendar';

/** `{ zh, en? }`. */
export interface LocalizedText {
  readonly zh: string;
  readonly en?: string;
}

export interface PilotRole {
  readonly id: string;
  readonly name: LocalizedText;
  readonly description?: LocalizedText;
}

export type UnitKind =
  'petition-office' | 'township' | 'department' | 'team' | 'committee' | 'mediation-room' | 'other';

export interface PilotUnit {
  readonly id: string;
  readonly name: LocalizedText;
  readonly kind: UnitKind;
  readonly division?: string;
  readonly children?: readonly PilotUnit[];
}

/** Statutory limit names (configurable defaults of 信访工作条例). */
export type StatutoryLimit =
  | 'registerAndRoute'
  | 'acceptanceReply'
  | 'objection'
  | 'handling'
  | 'extensionMax'
  | 'reviewRequest'
  | 'reviewDecision'
  | 'reReviewRequest'
  | 'reReviewDecision'
  | 'simplified';

export type StatutoryLimits = { readonly [K in StatutoryLimit]?: string } & {
  readonly maxRepresentatives?: number;
};

export interface InternalDeadline {
  readonly id: string;
  readonly name: LocalizedText;
  readonly process: string;
  readonly element: string;
  readonly period: string;
  readonly warning?: string;
  readonly stricterThan?: StatutoryLimit;
}

export interface PilotForm {
  readonly id: string;
  readonly file: string;
  readonly ui?: string;
  readonly name?: LocalizedText;
}

export interface PilotProcess {
  readonly file: string;
  readonly stage?: Stage;
  readonly stages?: Readonly<Record<string, Stage>>;
}

export type NoticeKind =
  | 'acceptance'
  | 'non-acceptance'
  | 'no-longer-accepted'
  | 'routing'
  | 'extension'
  | 'decision'
  | 'review-decision'
  | 're-review-decision'
  | 'order-advice';

export interface PilotNotice {
  readonly id: string;
  readonly kind: NoticeKind;
  readonly name?: LocalizedText;
  readonly template: string;
  readonly data: string;
}

export interface PilotMetric {
  readonly id: string;
  readonly name: LocalizedText;
  readonly definition: LocalizedText;
  readonly numerator: string;
  readonly denominator: string;
  readonly target?: number;
}

/** A manifest that passed `schemas/pilot.schema.json`. */
export interface PilotManifest {
  readonly schemaVersion: 1;
  readonly id: string;
  readonly version: string;
  readonly name: LocalizedText;
  readonly description?: LocalizedText;
  readonly division: string;
  readonly roles: readonly PilotRole[];
  readonly units: readonly PilotUnit[];
  /** The calendar section (read by `@shidian/calendar`), or the bundle path of a file holding it. */
  readonly calendar?: string | PilotCalendarConfig;
  readonly statutory?: StatutoryLimits;
  readonly deadlines?: readonly InternalDeadline[];
  readonly forms: readonly PilotForm[];
  readonly processes: readonly PilotProcess[];
  readonly notices?: readonly PilotNotice[];
  readonly metrics?: readonly PilotMetric[];
  readonly categories?: readonly { readonly id: string; readonly name: LocalizedText }[];
  readonly practices?: readonly LocalizedText[];
}

/**
 * The statutory defaults (信访工作条例, 2022). `objection` and `simplified` are *(verify)* facts:
 * configurable, never hard-coded elsewhere.
 */
export const STATUTORY_DEFAULTS: Readonly<Record<StatutoryLimit, string>> & {
  readonly maxRepresentatives: number;
} = Object.freeze({
  registerAndRoute: '15d',
  acceptanceReply: '15d',
  objection: '5wd',
  handling: '60d',
  extensionMax: '30d',
  reviewRequest: '30d',
  reviewDecision: '30d',
  reReviewRequest: '30d',
  reReviewDecision: '30d',
  simplified: '10wd',
  maxRepresentatives: 5,
});

/** Limits on the body's own time (a pilot may shorten them, never lengthen). */
export const BODY_LIMITS: readonly StatutoryLimit[] = [
  'registerAndRoute',
  'acceptanceReply',
  'objection',
  'handling',
  'extensionMax',
  'reviewDecision',
  'reReviewDecision',
  'simplified',
];
/** Limits on the petitioner's time (a pilot may lengthen them, never shorten). */
export const PETITIONER_LIMITS: readonly StatutoryLimit[] = ['reviewRequest', 'reReviewRequest'];

/** Every unit of a tree, depth-first. */
export function flattenUnits(units: readonly PilotUnit[]): PilotUnit[] {
  const out: PilotUnit[] = [];
  const walk = (list: readonly PilotUnit[]) => {
    for (const u of list) {
      out.push(u);
      if (u.children) walk(u.children);
    }
  };
  walk(units);
  return out;
}
