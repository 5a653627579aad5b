/**
 * The Cedar schema every policy is written against. `airlock policy check` validates user
 * policies with it, so a typo in an attribute name is an error at load, not a silent no-match.
 *
 * principal: the agent. action: the operation's class. resource: the upstream, as seen in the
 * environment Airlock established for this operation. context: everything else about it.
 */
export const CEDAR_SCHEMA = `namespace Airlock {
  // state: "active", "suspended" or "stopped"
  entity Agent { state: String };
  // door: "http", "postgres", "mcp", "hook" or "api"; environment: as established by Airlock
  entity Upstream { door: String, environment: String };

  type Context = {
    // the most dangerous part's action, e.g. "graphql:volumeDelete", "sql:DropStmt"
    operation: String,
    // every part's action
    parts: Set<String>,
    environment: String,
    door: String,
    // resource ids the request names (volume ids, tables, paths)
    resources: Set<String>,
    // true when one of the token's scopes covers class, environment, upstream and resources
    inScope: Bool,
    // the emergency stop for all agents is pulled
    stopAll: Bool,
    // a freeze window is open
    freeze: Bool,
    // anomaly signals that fired, by name, and the strongest one's strength (0 when none)
    signals: Set<String>,
    signalStrength: Long,
    // the agent has used its allowance for this class in the current window
    budgetExceeded: Bool,
    // UTC hour (0-23) and weekday (0 = Sunday) when the operation was asked
    hour: Long,
    weekday: Long,
  };

  action "read", "write", "destructive", "privilege"
    appliesTo { principal: Agent, resource: Upstream, context: Context };
}
`;

export interface PolicyContext {
  readonly operation: string;
  readonly parts: readonly string[];
  readonly environment: string;
  readonly door: string;
  readonly resources: readonly string[];
  readonly inScope: boolean;
  readonly stopAll: boolean;
  readonly freeze: boolean;
  readonly signals: readonly string[];
  readonly signalStrength: number;
  readonly budgetExceeded: boolean;
  readonly hour: number;
  readonly weekday: number;
}
