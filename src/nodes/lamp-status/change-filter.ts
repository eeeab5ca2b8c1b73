/**
 * When lamp-status emits a polled state: when something a user would see changed. Power is
 * compared in whole watts by default (meters jitter by a few mW between polls); with a power
 * threshold of N W it must move by more than N W from the last state sent, so an energy
 * dashboard follows real changes without noise.
 */
import { type ReportedState, stateSnapshot } from '../shared/status-mapping';

export class ChangeFilter {
  private lastSnapshot: string | undefined;
  private lastPower: number | undefined;

  /** @param thresholdW 0 keeps the whole-watt rule; > 0 needs a larger change in power. */
  constructor(private readonly thresholdW: number) {}

  /** Whether `state` differs from the last one sent (and, if so, it counts as sent now). */
  changed(state: ReportedState): boolean {
    const snapshot = this.snapshot(state);
    const powerMoved =
      this.thresholdW > 0 &&
      typeof state.power === 'number' &&
      typeof this.lastPower === 'number' &&
      Math.abs(state.power - this.lastPower) > this.thresholdW;
    if (snapshot === this.lastSnapshot && !powerMoved) return false;
    this.remember(state);
    return true;
  }

  /** A state sent for another reason (an input message): later changes count from it. */
  remember(state: ReportedState): void {
    this.lastSnapshot = this.snapshot(state);
    this.lastPower = state.power;
  }

  /** With a threshold, power is left to `changed` except for appearing or disappearing. */
  private snapshot(state: ReportedState): string {
    if (this.thresholdW <= 0) return stateSnapshot(state);
    return stateSnapshot({ ...state, power: typeof state.power === 'number' ? 0 : undefined });
  }
}

/** The node property: a non-negative number of watts; blank or anything else means 0. */
export function parsePowerThreshold(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').trim());
  return String(value ?? '').trim() !== '' && Number.isFinite(n) && n > 0 ? n : 0;
}
