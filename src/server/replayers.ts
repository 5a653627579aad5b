import { httpHoldReplayer } from '../doors/http/replay.js';
import { mcpHoldReplayer } from '../doors/mcp/replay.js';
import { replayPostgresHold } from '../doors/postgres/replay.js';
import { registerReplayer } from '../holds/replay.js';

let registered = false;

/**
 * The doors that can send a stored request on their own, for delayed execution. Each door keeps
 * its replayer beside its forwarding code; they are put together here, where the doors are.
 */
export function registerDoorReplayers(): void {
  if (registered) return;
  registered = true;
  registerReplayer('http', httpHoldReplayer);
  registerReplayer('postgres', replayPostgresHold);
  registerReplayer('mcp', mcpHoldReplayer);
}
