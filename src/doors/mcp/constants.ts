/** Where the MCP door answers on Airlock's HTTP listener. */
export const MCP_PATH = '/mcp';

/** JSON-RPC error code of a request Airlock did not forward (implementation-defined range). */
export const AIRLOCK_REFUSED = -32010;
