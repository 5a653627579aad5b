import { html } from 'hono/html';
import type { TokenView } from '../../admin/admin.js';
import type { AgentRecord } from '../../store/records.js';
import { apiForm, codeField, relativeTime, shortTime, stateBadge, statusBadge, type Html } from './parts.js';

const TTLS: readonly [string, number][] = [
  ['1 hour', 3_600_000],
  ['8 hours', 28_800_000],
  ['1 day', 86_400_000],
  ['7 days', 604_800_000],
  ['30 days', 2_592_000_000],
];

function agentActions(agent: AgentRecord): Html {
  const stateForm = (state: 'active' | 'suspended' | 'stopped', label: string, style: string, confirm?: string) =>
    apiForm(
      {
        verb: 'POST',
        path: `/agents/${encodeURIComponent(agent.name)}/state`,
        success: `${agent.name}: ${state}`,
        askCode: `${label} ${agent.name}`,
        className: 'inline-form',
        ...(confirm ? { confirm } : {}),
      },
      html`<input type="hidden" name="state" value="${state}"><button type="submit" class="button ${style}">${label}</button><p class="form-error" role="alert" hidden></p>`,
    );
  return html`<div class="row-actions">
    ${agent.state === 'active' ? stateForm('suspended', 'Suspend', 'button-warn') : stateForm('active', 'Resume', 'button-approve')}
    ${agent.state !== 'stopped' ? stateForm('stopped', 'Stop', 'button-stop', `Stop ${agent.name} now? Everything it asks is refused until resumed.`) : ''}
  </div>`;
}

export function agentsSection(agents: readonly AgentRecord[], tokens: readonly TokenView[], now: Date): Html {
  const activeTokens = (name: string) => tokens.filter((t) => t.agent === name && t.status === 'active').length;
  return html`<section class="panel" aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      ${
        agents.length === 0
          ? html`<p class="empty">No agents yet. Add one below.</p>`
          : html`<table>
            <thead><tr><th scope="col">Agent</th><th scope="col">State</th><th scope="col">Why</th><th scope="col">Active tokens</th><th scope="col">Since</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              ${agents.map(
                (agent) => html`<tr id="agent-${agent.name}" data-agent="${agent.name}">
                  <th scope="row">${agent.name}${agent.description ? html`<div class="muted small">${agent.description}</div>` : ''}</th>
                  <td>${stateBadge(agent.state)}${agent.observeUntil && Date.parse(agent.observeUntil) > Date.now() ? html` <span class="badge" title="what would be held or refused is recorded and forwarded">observing until ${shortTime(agent.observeUntil)}</span>` : ''}</td>
                  <td>${agent.stateReason ?? ''}</td>
                  <td class="num">${activeTokens(agent.name)}</td>
                  <td>${relativeTime(agent.createdAt, now)}</td>
                  <td>${agentActions(agent)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
      }
    </section>
    <section class="panel" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Tokens</h2>
      ${
        tokens.length === 0
          ? html`<p class="empty">No tokens.</p>`
          : html`<table>
            <thead><tr><th scope="col">Token</th><th scope="col">Agent</th><th scope="col">Scopes</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col">Label</th><th scope="col"></th></tr></thead>
            <tbody>
              ${tokens.map(
                (token) => html`<tr data-token="${token.id}">
                  <td><code>${token.hint}</code></td>
                  <td>${token.agent}</td>
                  <td>${token.scopes.map((s) => html`<code class="scope">${s}</code> `)}</td>
                  <td>${statusBadge(token.status)}</td>
                  <td>${token.status === 'revoked' ? html`revoked ${shortTime(token.revokedAt!)}` : relativeTime(token.expiresAt, now)}</td>
                  <td>${token.label ?? ''}</td>
                  <td>${
                    token.status === 'active'
                      ? apiForm(
                          {
                            verb: 'POST',
                            path: `/tokens/${token.id}/revoke`,
                            success: `Token ${token.id} revoked`,
                            confirm: `Revoke token ${token.hint} of ${token.agent}? The agent's requests with it are refused at once.`,
                            className: 'inline-form',
                            label: `Revoke token ${token.id}`,
                          },
                          html`<button type="submit" class="button button-deny">Revoke</button><p class="form-error" role="alert" hidden></p>`,
                        )
                      : ''
                  }</td>
                </tr>`,
              )}
            </tbody>
          </table>`
      }
    </section>`;
}

export function agentsPage(options: { agents: readonly AgentRecord[]; tokens: readonly TokenView[]; now: Date }): Html {
  const { agents } = options;
  return html`<div class="section-head">
      <h1>Agents &amp; tokens</h1>
      <p class="muted">Agents never hold a real credential: they hold these tokens, scoped by class, environment and upstream.</p>
    </div>
    <div id="agents-live" data-live-url="/console/fragments/agents" data-refresh-on="agents">${agentsSection(agents, options.tokens, options.now)}</div>
    <div class="columns">
      <section class="panel" aria-labelledby="issue-title">
        <h2 id="issue-title">Issue a token</h2>
        ${
          agents.length === 0
            ? html`<p class="empty">Add an agent first.</p>`
            : apiForm(
                { verb: 'POST', path: '/tokens', done: 'show-token', build: 'issue-token', className: 'stack', label: 'Issue a token' },
                html`<label for="t-agent">Agent
                  <select id="t-agent" name="agent" required>${agents.map((a) => html`<option value="${a.name}">${a.name}</option>`)}</select>
                </label>
                <label for="t-scopes">Scopes <span class="muted small">CLASS:ENV[:UPSTREAM[:RESOURCE]], separated by spaces</span>
                  <input id="t-scopes" name="scopes" required placeholder="read:* write:staging" spellcheck="false" autocapitalize="none">
                </label>
                <label for="t-ttl">Lifetime
                  <select id="t-ttl" name="ttlMs">${TTLS.map(([label, ms]) => html`<option value="${ms}"${ms === 28_800_000 ? ' selected' : ''}>${label}</option>`)}</select>
                </label>
                <label for="t-label">Label <input id="t-label" name="label" maxlength="200" placeholder="optional"></label>
                ${codeField('t-code', 'Your authenticator code')}
                <button type="submit" class="button button-primary">Issue token</button>
                <p class="form-error" role="alert" hidden></p>`,
              )
        }
      </section>
      <section class="panel" aria-labelledby="add-title">
        <h2 id="add-title">Add an agent</h2>
        ${apiForm(
          { verb: 'POST', path: '/agents', success: 'Agent added', done: 'reload', className: 'stack', label: 'Add an agent' },
          html`<label for="a-name">Name <input id="a-name" name="name" required pattern="[a-z0-9][a-z0-9._\\-]*" placeholder="deploy-bot" spellcheck="false" autocapitalize="none"></label>
            <label for="a-description">What it is for <input id="a-description" name="description" maxlength="500" placeholder="optional"></label>
            <button type="submit" class="button">Add agent</button>
            <p class="form-error" role="alert" hidden></p>`,
        )}
      </section>
    </div>`;
}
