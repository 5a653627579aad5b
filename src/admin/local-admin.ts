import { IdentityError, issueToken } from '../identity/tokens.js';
import { tokenHint } from '../identity/token-format.js';
import { ScopeError } from '../policy/scopes.js';
import type { Runtime } from '../server/runtime.js';
import type { AuditEntry, TokenRecord } from '../store/records.js';
import { StoreConflictError } from '../store/store.js';
import { AdminError, type Admin, type TokenView } from './admin.js';
import { enrolOperator, OperatorError, operatorView } from '../identity/operators.js';
import { SecretKeyError } from '../identity/secret-box.js';
import { approveHold, cancelHold, denyHold, listDeliveries, listHolds, operatorContext, showHold } from '../holds/service.js';
import { activeFreeze, nextFreeze } from '../policy/freeze.js';

const AGENT_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Observe mode is for adoption: long enough to learn a team's traffic, never a standing bypass. */
const MAX_OBSERVE_MS = 90 * 86_400_000;

/**
 * The operator's actions against this process's store. Every change is audited, naming the
 * operator and, for an action that came in a request (the console, the admin API), its id.
 */
export class LocalAdmin implements Admin {
  constructor(
    private readonly runtime: Runtime,
    readonly operator: string,
    private readonly requestId?: string,
  ) {}

  private now(): Date {
    return this.runtime.clock();
  }

  private record(entry: AuditEntry) {
    return this.runtime.audit.append(this.requestId ? { ...entry, requestId: this.requestId } : entry);
  }

  private async requireAgent(name: string) {
    const agent = await this.runtime.store.agents.get(name);
    if (!agent) throw new AdminError('not_found', `no agent named "${name}" (see: airlock agent list)`);
    return agent;
  }

  async addAgent({ name, description }: { name: string; description?: string }) {
    if (!AGENT_NAME.test(name)) {
      throw new AdminError('invalid', 'agent names use lower-case letters, digits, ".", "_" and "-" (e.g. deploy-bot)');
    }
    try {
      const agent = await this.runtime.store.agents.add({ name, ...(description ? { description } : {}) }, this.now().toISOString());
      await this.record({ type: 'agent.added', agent: name, operator: this.operator });
      return agent;
    } catch (error) {
      if (error instanceof StoreConflictError) throw new AdminError('conflict', error.message);
      throw error;
    }
  }

  listAgents() {
    return this.runtime.store.agents.list();
  }

  async setAgentState({ name, state, reason }: { name: string; state: 'active' | 'suspended' | 'stopped'; reason?: string }) {
    await this.requireAgent(name);
    const why = state === 'active' ? undefined : (reason ?? `${state} by ${this.operator}`);
    const agent = (await this.runtime.store.agents.setState(name, state, why))!;
    const type = { active: 'agent.resumed', suspended: 'agent.suspended', stopped: 'stop.agent' }[state];
    await this.record({ type, agent: name, operator: this.operator, ...(why ? { reasons: [why] } : {}) });
    return agent;
  }

  async setAgentObserve({ name, forMs, off }: { name: string; forMs?: number; off?: boolean }) {
    await this.requireAgent(name);
    if (!off && (forMs === undefined || forMs <= 0)) throw new AdminError('invalid', 'give how long to observe (e.g. --for 7d), or --off');
    if (!off && forMs! > MAX_OBSERVE_MS)
      throw new AdminError('invalid', 'observe mode lasts at most 90 days: it is for adopting Airlock, not a way to run without it');
    const until = off ? undefined : new Date(this.now().getTime() + forMs!).toISOString();
    const agent = (await this.runtime.store.agents.setObserve(name, until))!;
    await this.record({
      type: until ? 'agent.observe' : 'agent.observe.ended',
      agent: name,
      operator: this.operator,
      ...(until ? { reasons: [`observe mode until ${until}: what would be held or refused is recorded and forwarded`], detail: { until } } : {}),
    });
    return agent;
  }

  async removeAgent({ name }: { name: string }) {
    if (!(await this.runtime.store.agents.remove(name, this.now().toISOString()))) {
      throw new AdminError('not_found', `no agent named "${name}" (see: airlock agent list)`);
    }
    await this.record({ type: 'agent.removed', agent: name, operator: this.operator });
  }

  async issueToken(request: { agent: string; scopes: string[]; ttlMs?: number; label?: string }) {
    let issued: Awaited<ReturnType<typeof issueToken>>;
    try {
      issued = await issueToken(
        this.runtime.store,
        {
          agent: request.agent,
          scopes: request.scopes,
          ttlMs: request.ttlMs ?? this.runtime.config.tokens.defaultTtl,
          ...(request.label ? { label: request.label } : {}),
        },
        this.now(),
      );
    } catch (error) {
      if (error instanceof IdentityError || error instanceof ScopeError) {
        throw new AdminError(error.message.startsWith('no agent') ? 'not_found' : 'invalid', error.message);
      }
      throw error;
    }
    const { record } = issued;
    await this.record({
      type: 'token.issued',
      agent: record.agent,
      token: record.id,
      operator: this.operator,
      detail: { scopes: record.scopes, expiresAt: record.expiresAt },
    });
    return { token: issued.token, id: record.id, agent: record.agent, scopes: record.scopes, expiresAt: record.expiresAt };
  }

  private view(token: TokenRecord): TokenView {
    const { hash: _hash, ...rest } = token;
    const status = token.revokedAt ? 'revoked' : Date.parse(token.expiresAt) <= this.now().getTime() ? 'expired' : 'active';
    return { ...rest, hint: tokenHint(token.id), status };
  }

  async listTokens({ agent, includeRevoked }: { agent?: string; includeRevoked?: boolean }) {
    const tokens = await this.runtime.store.tokens.list({ ...(agent ? { agent } : {}), includeRevoked: includeRevoked ?? false });
    return tokens.map((t) => this.view(t));
  }

  async revokeToken({ id }: { id: string }) {
    // Accept the id as listed, or a whole token pasted by mistake (only its id part is used).
    const tokenId = id.startsWith('alk_') ? id.slice(4, 16) : id;
    const existing = await this.runtime.store.tokens.get(tokenId);
    if (!existing) throw new AdminError('not_found', `no token with id ${tokenId} (see: airlock token list)`);
    const revoked = (await this.runtime.store.tokens.revoke(existing.id, this.now().toISOString()))!;
    await this.record({ type: 'token.revoked', agent: existing.agent, token: existing.id, operator: this.operator });
    return this.view(revoked);
  }

  async stop({ agent, all, reason }: { agent?: string; all?: boolean; reason?: string }) {
    if (Boolean(agent) === Boolean(all)) throw new AdminError('invalid', 'say who to stop: an agent, or all');
    const why = reason ?? `emergency stop by ${this.operator}`;
    if (all) {
      await this.runtime.store.control.setStopAll({ reason: why, by: this.operator, at: this.now().toISOString() });
      await this.record({ type: 'stop.all', operator: this.operator, reasons: [why] });
    } else {
      await this.setAgentState({ name: agent!, state: 'stopped', reason: why });
    }
    return { reason: why };
  }

  async resume({ agent, all }: { agent?: string; all?: boolean }) {
    if (Boolean(agent) === Boolean(all)) throw new AdminError('invalid', 'say who to resume: an agent, or all');
    if (all) {
      await this.runtime.store.control.setStopAll(undefined);
      await this.record({ type: 'resume.all', operator: this.operator });
    } else {
      await this.setAgentState({ name: agent!, state: 'active' });
    }
  }

  control() {
    return this.runtime.store.control.get();
  }

  async startFreeze({ reason, until, from }: { reason: string; until?: string; from?: string }) {
    if (!reason?.trim()) throw new AdminError('invalid', 'say why: a freeze needs a reason, which agents are told');
    const now = this.now();
    const instant = (text: string | undefined, name: string) => {
      if (text === undefined) return undefined;
      const ms = Date.parse(text);
      if (Number.isNaN(ms)) throw new AdminError('invalid', `${name} must be a time such as 2026-12-24T18:00:00Z`);
      return new Date(ms).toISOString();
    };
    const start = instant(from, 'from') ?? now.toISOString();
    const end = instant(until, 'until');
    if (end && Date.parse(end) <= Math.max(now.getTime(), Date.parse(start))) {
      throw new AdminError('invalid', `until (${end}) must be later than the start of the freeze and than now`);
    }
    const previous = (await this.runtime.store.control.get()).freeze;
    const freeze = { reason: reason.trim(), by: this.operator, from: start, until: end };
    await this.runtime.store.control.setFreeze(freeze);
    await this.record({
      type: 'freeze.started',
      operator: this.operator,
      reasons: [freeze.reason],
      detail: { from: start, ...(end ? { until: end } : {}), ...(previous ? { replaced: previous } : {}) },
    });
    return this.freezeStatus();
  }

  async endFreeze() {
    const previous = (await this.runtime.store.control.get()).freeze;
    if (!previous) {
      const configured = activeFreeze(this.runtime.config.freeze, undefined, this.now());
      throw new AdminError(
        'not_found',
        configured
          ? `no freeze was started at run time; the configured window in force (${configured.reason}) can only be changed in the config`
          : 'no freeze was started at run time (see: airlock freeze status)',
      );
    }
    await this.runtime.store.control.setFreeze(undefined);
    await this.record({ type: 'freeze.ended', operator: this.operator, reasons: [previous.reason], detail: { started: previous } });
    return this.freezeStatus();
  }

  async freezeStatus() {
    const now = this.now();
    const { freeze } = await this.runtime.store.control.get();
    const windows = this.runtime.config.freeze;
    return { active: activeFreeze(windows, freeze, now), runtime: freeze, windows, next: nextFreeze(windows, freeze, now) };
  }

  listAudit(filter: Parameters<Admin['listAudit']>[0]) {
    return this.runtime.store.audit.list(filter);
  }

  listHolds(request: Parameters<Admin['listHolds']>[0]) {
    return listHolds(this.runtime, request);
  }

  showHold({ id }: { id: string }) {
    return showHold(this.runtime, id, this.requestId);
  }

  approveHold({ id, code, operator }: { id: string; code?: string; operator?: string }) {
    // The local user acts as the enrolled operator of the same name unless told otherwise.
    return approveHold(this.runtime, { id, code, operator: operator ?? this.operator.replace(/^local:/, ''), requestId: this.requestId });
  }

  denyHold({ id, reason }: { id: string; reason?: string }) {
    return denyHold(this.runtime, { id, reason, operator: this.operator, requestId: this.requestId });
  }

  cancelHold({ id, reason }: { id: string; reason?: string }) {
    return cancelHold(this.runtime, { id, reason, operator: this.operator, requestId: this.requestId });
  }

  listDeliveries(request: Parameters<Admin['listDeliveries']>[0]) {
    return listDeliveries(this.runtime, request);
  }

  async addOperator({ name }: { name: string }) {
    try {
      const enrolment = await enrolOperator(operatorContext(this.runtime, this.requestId), name);
      await this.record({ type: 'operator.added', operator: this.operator, detail: { name } });
      return enrolment;
    } catch (error) {
      if (error instanceof OperatorError) throw new AdminError(error.code, error.message);
      if (error instanceof SecretKeyError) throw new AdminError('unavailable', error.message);
      throw error;
    }
  }

  async listOperators() {
    return (await this.runtime.store.operators.list()).map(operatorView);
  }

  async removeOperator({ name }: { name: string }) {
    if (!(await this.runtime.store.operators.remove(name))) {
      throw new AdminError('not_found', `no operator named "${name}" is enrolled (see: airlock operator list)`);
    }
    await this.record({ type: 'operator.removed', operator: this.operator, detail: { name } });
  }
}
