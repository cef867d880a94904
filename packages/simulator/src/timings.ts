import type { SimTimings } from './contract.js';

/** Close to AWS's own, so `--simulate` with a real clock feels like the real thing. */
export const DEFAULT_TIMINGS: SimTimings = {
  natPendingMs: 90_000,
  natDeletingMs: 60_000,
  natGoneVisibleMs: 3_600_000,
  functionUpdateMs: 60_000,
  eniReleaseMs: 20 * 60_000,
  eventualConsistencyMs: 0,
  instancePendingMs: 30_000,
  instanceStoppingMs: 45_000,
  instanceShuttingDownMs: 60_000,
  instanceStatusInitMs: 120_000,
  instanceGoneVisibleMs: 3_600_000,
  roleAssumableMs: 8_000,
  instanceProfileUsableMs: 10_000,
  interfaceAttachMs: 3_000,
  interfaceDetachMs: 5_000,
  natBootMs: 45_000,
  natConfigureMs: 2_000,
  natRetryMs: 1_000,
  natAttachGiveUpMs: 600_000,
  groupReplaceMs: 60_000,
  ecsTaskStartMs: 45_000,
  ecsTaskStopMs: 30_000,
  ecsRetryMs: 15_000,
  ecsGoneVisibleMs: 3_600_000,
  callLatencyMs: [0, 0],
};

export function withDefaults(timings: Partial<SimTimings> | undefined): SimTimings {
  return { ...DEFAULT_TIMINGS, ...timings };
}
