import { replayHttpRequest, type StoredHttpRequest } from '../doors/http/index.js';
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
  registerReplayer('http', httpReplayer);
  registerReplayer('postgres', replayPostgresHold);
  registerReplayer('mcp', mcpReplayer);
}

const httpReplayer: Replayer = async (runtime, hold) => {
  let answer;
  try {
    answer = await replayHttpRequest(hold.request as StoredHttpRequest, runtime.config);
  } catch (error) {
    // Not configured, no credential, or no answer: nothing is known to have run.
    return { forwarded: false, ok: false, detail: (error as Error).message };
  }
  let ok = answer.status < 400;
  // A GraphQL API reports a failed mutation as 200 with `errors`.
  if (ok && /json/i.test(String(answer.headers['content-type'] ?? ''))) {
    try {
      const json = JSON.parse(answer.body.toString('utf8')) as { errors?: unknown[] };
      if (Array.isArray(json.errors) && json.errors.length > 0) ok = false;
    } catch {
      // Not JSON after all: the status is the answer.
    }
  }
  return { forwarded: true, ok, status: answer.status, detail: `the upstream answered HTTP ${answer.status}` };
};

const mcpReplayer: Replayer = async (runtime, hold) => {
  const outcome = await replayMcpCall(hold.request, runtime);
  if (outcome.ok) return { forwarded: true, ok: true, status: 'result', detail: 'the tool answered' };
  // With a result, the tool ran and reported an error; without one, the call did not get through.
  return { forwarded: outcome.result !== undefined, ok: false, status: outcome.result ? 'error' : 'not sent', detail: outcome.error.slice(0, 300) };
};
