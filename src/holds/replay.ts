import type { Door } from '../core/operation.js';
import type { Runtime } from '../server/runtime.js';
import type { HoldRecord } from '../store/records.js';

/**
 * How Airlock itself runs a held request when its delay is over: each door that can forward a
 * stored request on its own registers a replayer. A replayer only forwards — the scheduler has
 * already checked that the operation may still run, recorded it, and run the backup step — and
 * reports what the upstream answered.
 *
 * A door without a replayer (the decision API, hooks) still gets delayed execution: when the
 * delay is over the hold becomes `approved`, and the agent's identical retry runs it once.
 */
export interface ReplayResult {
  /** Whether the request reached the upstream. False: not sent at all (it is then `failed`). */
  readonly forwarded: boolean;
  /** Whether the upstream reported success. */
  readonly ok: boolean;
  /** The upstream's status (an HTTP status, a SQL command tag, an MCP result kind). */
  readonly status?: number | string;
  /** One line for operators; never a credential, never the whole response. */
  readonly detail?: string;
}

export type Replayer = (runtime: Runtime, hold: HoldRecord) => Promise<ReplayResult>;

const replayers = new Map<Door, Replayer>();

/** Registers a door's replayer; returns a function that removes it (for tests). */
export function registerReplayer(door: Door, replayer: Replayer): () => void {
  replayers.set(door, replayer);
  return () => {
    if (replayers.get(door) === replayer) replayers.delete(door);
  };
}

export function replayerFor(door: Door): Replayer | undefined {
  return replayers.get(door);
}
