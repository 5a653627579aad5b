import { issueToken } from '../../src/identity/tokens.js';
import type { Runtime } from '../../src/server/runtime.js';

/** A token for the agent (added first if it is new), issued at `now`. */
export async function issueFor(runtime: Runtime, now: Date, agent: string, scopes: string[], ttlMs = 3_600_000): Promise<string> {
  if (!(await runtime.store.agents.get(agent))) await runtime.store.agents.add({ name: agent }, now.toISOString());
  return (await issueToken(runtime.store, { agent, scopes, ttlMs }, now)).token;
}
