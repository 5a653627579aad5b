/**
 * A clock that never goes back. When the system clock is stepped backwards (NTP correcting a
 * drift, a VM restored from a snapshot), wall-clock time would revive tokens, approvals and
 * holds that had already expired, and place audit records before ones already written. This
 * one answers the latest time it has seen until the wall clock catches up with it.
 */
export function monotonicClock(wall: () => Date = () => new Date()): () => Date {
  let latest = 0;
  return () => {
    const now = wall().getTime();
    if (now > latest) latest = now;
    return new Date(latest);
  };
}
