/**
 * State upgrades: an instance started on an older engine keeps running after an upgrade. Each
 * entry of `upgrades` turns a state of version `n` into version `n + 1`; `upgradeState` applies
 * them in order. Version 1 is the first layout, so the table is empty for now.
 */
import { refuse } from './errors.js';
import { STATE_VERSION, type EngineState } from './types.js';

/** `upgrades[n]` upgrades a state of version `n` to `n + 1`. */
const upgrades: Readonly<Record<number, (state: Record<string, unknown>) => Record<string, unknown>>> = {};

/**
 * Brings a stored state to the current `STATE_VERSION` (refuses an unknown or newer version).
 *
 * @example
 * const state = upgradeState(JSON.parse(row.state));
 */
export function upgradeState(raw: unknown): EngineState {
  if (typeof raw !== 'object' || raw === null) refuse('ENG_ERR_STATE_VERSION', {}, 'not a state object');
  let s = raw as Record<string, unknown>;
  const v0 = s.stateVersion;
  if (typeof v0 !== 'number' || !Number.isInteger(v0) || v0 < 1 || v0 > STATE_VERSION)
    refuse('ENG_ERR_STATE_VERSION', { stateVersion: typeof v0 === 'number' ? v0 : null });
  let v: number = v0;
  while (v < STATE_VERSION) {
    const up = upgrades[v];
    if (up === undefined) refuse('ENG_ERR_STATE_VERSION', { stateVersion: v });
    s = up(s);
    v = s.stateVersion as number;
  }
  return s as unknown as EngineState;
}
