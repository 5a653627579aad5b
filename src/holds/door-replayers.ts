import { replayMcpCall } from '../doors/mcp/replay.js';
import { replayPostgresHold } from '../doors/postgres/replay.js';
import { registerReplayer, type Replayer } from './replay.js';

/**
 * The doors that can send a stored request on their own, for delayed execution. Each door
 * exports its replayer beside its forwarding code; they are registered here, once, when the
 * hold worker starts.
 */
let registered = false;

export function registerDoorReplayers(): void {
  if (registered) return;
  registered = true;
  registerReplayer('postgres', replayPostgresHold);
  registerReplayer('mcp', mcpReplayer);
}

const mcpReplayer: Replayer = async (runtime, hold) => {
  const outcome = await replayMcpCall(hold.request, runtime);
  if (outcome.ok) return { forwarded: true, ok: true, status: 'result', detail: 'the tool answered' };
  // With a result, the tool ran and reported an error; without one, the call did not get through.
  return { forwarded: outcome.result !== undefined, ok: false, status: outcome.result ? 'error' : 'not sent', detail: outcome.error.slice(0, 300) };
};
