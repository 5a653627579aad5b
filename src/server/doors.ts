import { egressDoor } from '../doors/egress/index.js';
import { hookDoor } from '../doors/hook/index.js';
import { httpDoor } from '../doors/http/index.js';
import { mcpDoor } from '../doors/mcp/index.js';
import { postgresDoor } from '../doors/postgres/index.js';
import type { DoorModule } from './door-module.js';

/** Every door Airlock starts, in the order they are offered each HTTP request. */
export const DOORS: readonly DoorModule[] = [httpDoor, mcpDoor, postgresDoor, hookDoor, egressDoor];
