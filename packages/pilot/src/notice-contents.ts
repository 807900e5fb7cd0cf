/**
 * The contents the law requires of each notice (信访工作条例; domain guide §3): a template of that
 * kind must reference every one of these data paths, so a county cannot drop, say, the remedy and
 * its time limit from its 处理意见书.
 */

const HEAD = ['documentNumber', 'petitioner.name', 'issuer.name', 'issuedOn'];
const CLAIM_LINES = ['claims', 'claims.*.kindLabel', 'claims.*.summary'];
const DECIDED = [
  'claims',
  'claims.*.summary',
  'claims.*.facts',
  'claims.*.investigation',
  'claims.*.findings',
  'claims.*.decisionLabel',
  'claims.*.legalBasis',
];

const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  acceptance: [...HEAD, 'receivedOn', ...CLAIM_LINES, 'acceptedOn', 'handlingBody', 'limitDays', 'dueOn'],
  'non-acceptance': [...HEAD, 'receivedOn', ...CLAIM_LINES, 'reason', 'legalBasis', 'competentChannel'],
  'no-longer-accepted': [...HEAD, ...CLAIM_LINES, 'reason', 'legalBasis', 'previousDocument'],
  routing: [...HEAD, 'receivedOn', ...CLAIM_LINES, 'modeLabel', 'toBody', 'routedOn'],
  extension: [...HEAD, ...CLAIM_LINES, 'originalDueOn', 'extensionDays', 'newDueOn', 'reason', 'approvedBy'],
  decision: [...HEAD, 'receivedOn', 'acceptedOn', ...DECIDED, 'remedy.body', 'remedy.limitDays'],
  'review-decision': [
    ...HEAD,
    'requestedOn',
    'originalDocument',
    ...DECIDED,
    'remedy.body',
    'remedy.limitDays',
  ],
  're-review-decision': [...HEAD, 'requestedOn', 'originalDocument', ...DECIDED, 'finality'],
  'order-advice': [...HEAD, 'conduct', 'advice', 'legalBasis'],
};

/**
 * Data paths a notice template of `kind` must reference (`*` for array items).
 *
 * @example requiredNoticeContents('decision').includes('remedy.limitDays') // true
 */
export function requiredNoticeContents(kind: string): readonly string[] {
  return REQUIRED[kind] ?? HEAD;
}
