/**
 * Airlock's own rules, in Cedar, evaluated with the user's. Users cannot loosen a `forbid`
 * here (Cedar's forbid always wins); they tighten by adding their own.
 *
 * The one rule that is not Cedar is the default for destructive and privilege operations: it
 * is held for a human unless the token's scope covers it *and* a user policy permits it by name
 * (see decide.ts), because a Cedar permit cannot lift a forbid.
 */
export const BUILTIN_POLICIES = `
@id("airlock/agent-not-active")
@reason("the agent is not active: an operator stopped or suspended it")
forbid (principal, action, resource) when { principal.state != "active" };

@id("airlock/emergency-stop")
@reason("the emergency stop is pulled for all agents")
forbid (principal, action, resource) when { context.stopAll };

@id("airlock/freeze")
@reason("a freeze window is open: only reads are allowed")
forbid (principal, action, resource) when { context.freeze }
unless { action == Airlock::Action::"read" };

@id("airlock/budget")
@reason("the agent has used its allowance for this class of operation")
forbid (principal, action, resource) when { context.budgetExceeded };

// Reads are not held: they change nothing, and an agent exploring somewhere new should not wait
// for a human to look. Their signals are still recorded; a user policy can hold reads too.
@id("airlock/anomaly")
@reason("an anomaly signal is strong: the agent is doing something it does not normally do")
@hold("mfa")
forbid (principal, action, resource) when { context.signalStrength >= 3 }
unless { action == Airlock::Action::"read" };

@id("airlock/raw-credential")
@reason("the command uses a credential that is not the agent's own: only Airlock holds real credentials, and agents use their Airlock token")
forbid (principal, action, resource) when { context.parts.contains("hook:raw-credential") };

@id("airlock/scope")
@reason("a scope of the token covers this operation")
permit (principal, action, resource) when { context.inScope };
`;

export const BUILTIN_PREFIX = 'airlock/';

/** The virtual rule applied in code; named so that verdicts and docs can cite it. */
export const HUMAN_APPROVAL_POLICY = 'airlock/human-approval';
export const OUT_OF_SCOPE_POLICY = 'airlock/out-of-scope';
