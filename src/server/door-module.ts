import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from './runtime.js';

/**
 * A protocol front. Each door starts with the shared runtime and either claims HTTP requests on
 * Airlock's listener (REST/GraphQL under /u/, MCP at /mcp) or opens a listener of its own
 * (PostgreSQL).
 */
export interface DoorModule {
  readonly name: string;
  start(runtime: Runtime): Promise<RunningDoor>;
}

export interface RunningDoor {
  /** Takes the request if it is this door's; returns false to let the next door or the API have it. */
  readonly handleHttp?: (request: IncomingMessage, response: ServerResponse) => boolean;
  /** Addresses the door listens on itself, by name (e.g. { postgres: '127.0.0.1:6543' }). */
  readonly addresses?: Readonly<Record<string, string>>;
  close(): Promise<void>;
}
