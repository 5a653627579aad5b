import type { GateRequest, GateResult } from '../gate/index.js';
import type { Verdict } from '../core/verdict.js';
import { holdWaitOf } from '../policy/hold-annotations.js';
import type { Runtime } from '../server/runtime.js';
import type { HoldRecord, HoldStatus } from '../store/records.js';
import { expireHold } from './lifecycle.js';

/**
 * `wait` mode: instead of answering "held" at once, a door keeps the agent's request open while
 * operators decide, and forwards it the moment they approve. The decision may come from any
 * process sharing the store (the CLI, the console, another replica), so the store is polled;
 * records appended in this process, and changes the store pushes from other processes
 * (PostgreSQL), wake the wait at once.
 *
 * @example
 * // In a door, in place of runtime.gate.decide(request):
 * const result = await decideAndWait(runtime, { operation, token, request, requestId }, { signal });
 * if (result.verdict.kind === 'allow') forward(); else refuse(refusalFor(result.verdict));
 */

export interface HoldMode {
  readonly mode: 'respond' | 'wait';
  /** How long a `wait` request is kept open (ms). */
  readonly waitMs: number;
}

/**
 * The mode for a held verdict: a policy's @wait("5m") wins, then the upstream's `holds`, then
 * the top-level `holds` of the config.
 */
export function holdModeFor(runtime: Runtime, verdict: Verdict, upstreamName: string | undefined): HoldMode {
  const engine = runtime.policies();
  const waits = verdict.policies.flatMap((id) => {
    const policy = engine.policy(id);
    const wait = policy ? holdWaitOf(policy) : undefined;
    return wait === undefined ? [] : [wait];
  });
  if (waits.length > 0) return { mode: 'wait', waitMs: Math.max(...waits) };
  const upstream = upstreamName ? runtime.config.upstreams.find((u) => u.name === upstreamName) : undefined;
  const holds = upstream?.holds ?? runtime.config.holds;
  return { mode: holds.mode, waitMs: holds.wait };
}

export type HoldDecisionOutcome = Exclude<HoldStatus, 'pending'> | 'missing' | 'timeout' | 'aborted';

const POLL_MS = 250;

/**
 * Resolves when the hold is no longer pending (approved, scheduled, denied, cancelled, expired,
 * …), when `timeoutMs` has passed (`timeout`), or when `signal` aborts (`aborted`: the agent hung
 * up). The hold itself is left as it is; a timed-out agent can retry with the hold id later.
 */
export async function waitForHoldDecision(
  runtime: Runtime,
  holdId: string,
  timeoutMs: number,
  /** `requestId`: the request that waits, named in the record of the hold expiring meanwhile. */
  options: { signal?: AbortSignal; pollMs?: number; requestId?: string | undefined } = {},
): Promise<{ outcome: HoldDecisionOutcome; hold: HoldRecord | undefined }> {
  const deadline = Date.now() + timeoutMs;
  let wake: (() => void) | undefined;
  const unsubscribe = runtime.audit.subscribe((record) => {
    if (record.holdId === holdId && record.type !== 'decision') wake?.();
  });
  // A decision taken on another replica arrives through the store's change feed, where it has one.
  const unwatch = runtime.store.changes?.subscribe((change) => {
    if (change === 'resync' || (change.table === 'holds' && change.key === holdId)) wake?.();
  });
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      let hold = await runtime.store.holds.get(holdId);
      if (!hold) return { outcome: 'missing', hold };
      if (hold.status === 'pending' && Date.parse(hold.expiresAt) <= runtime.clock().getTime()) {
        hold = (await expireHold(runtime, hold, options.requestId)) ?? (await runtime.store.holds.get(holdId));
        if (!hold) return { outcome: 'missing', hold };
      }
      if (hold.status !== 'pending') return { outcome: hold.status, hold };
      if (options.signal?.aborted) return { outcome: 'aborted', hold };
      const left = deadline - Date.now();
      if (left <= 0) return { outcome: 'timeout', hold };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, options.pollMs ?? POLL_MS));
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    }
  } finally {
    unsubscribe();
    unwatch?.();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The gate's decision, waiting for operators when the verdict is a hold in `wait` mode. After
 * their decision the request is decided again with the hold id: an approval is used up and the
 * answer is `allow` (forward it, once); a delayed approval, a denial or an expiry gives the
 * usual answer for it. A wait that times out answers with the original hold.
 */
export async function decideAndWait(
  runtime: Runtime,
  /** `requestId` must be named, even as undefined: a door that has one passes it on. */
  request: GateRequest & { readonly requestId: string | undefined },
  /** `signal` may be a function, so that a caller that is rarely held builds no signal per request. */
  options: { signal?: AbortSignal | (() => AbortSignal); mode?: HoldMode } = {},
): Promise<GateResult> {
  const first = await runtime.gate.decide(request);
  if (first.verdict.kind !== 'hold' || request.holdId) return first;
  const mode = options.mode ?? holdModeFor(runtime, first.verdict, request.operation.upstream);
  if (mode.mode !== 'wait' || mode.waitMs <= 0) return first;
  const holdId = first.verdict.holdId;
  const signal = typeof options.signal === 'function' ? options.signal() : options.signal;
  const { outcome } = await waitForHoldDecision(runtime, holdId, mode.waitMs, { ...(signal ? { signal } : {}), requestId: request.requestId });
  if (outcome === 'timeout' || outcome === 'aborted' || outcome === 'missing') return first;
  return runtime.gate.decide({ ...request, holdId });
}
