import { html } from 'hono/html';
import { readableRequest } from '../../holds/readable-request.js';
import type { HoldDetail, HoldView } from '../../holds/service.js';
import { apiForm, classBadge, codeField, environmentBadge, environmentTone, relativeTime, shortTime, statusBadge, type Html } from './parts.js';

function needsText(hold: HoldView): string {
  const { approvals, secondFactor, delaySeconds } = hold.needs;
  const parts = [`${approvals} approval${approvals === 1 ? '' : 's'}${approvals > 1 ? ' from different operators' : ''}`];
  if (secondFactor) parts.push('each with a code');
  if (delaySeconds) parts.push(`then a ${delaySeconds}s delay in which it can be cancelled`);
  return parts.join(', ');
}

/** The parts of a request when it carries more than one (GraphQL aliases, several statements). */
function partsTable(hold: HoldView): Html {
  if (hold.operation.parts.length <= 1) return html``;
  return html`<details class="parts" open>
    <summary>${hold.operation.parts.length} operations in this request, judged by the most dangerous</summary>
    <table>
      <thead><tr><th scope="col">Action</th><th scope="col">Class</th><th scope="col">Resources</th></tr></thead>
      <tbody>
        ${hold.operation.parts.map(
          (part) =>
            html`<tr><td><code>${part.action}</code></td><td>${classBadge(part.class)}</td><td>${part.resources.length ? part.resources.join(', ') : '-'}</td></tr>`,
        )}
      </tbody>
    </table>
  </details>`;
}

/** One pending hold, so that a person understands it in seconds: what, where, who, why. */
export function holdCard(hold: HoldView, now: Date, operator: string): Html {
  const tone = environmentTone(hold.operation.environment);
  const approvedByMe = hold.approvals.some((a) => a.operator === operator);
  const title = `hold-${hold.id}-title`;
  return html`<article class="hold-card tone-${tone}" id="${hold.id}" data-hold-id="${hold.id}" aria-labelledby="${title}">
    <header class="hold-head">
      <div class="hold-badges">${environmentBadge(hold.operation.environment)} ${classBadge(hold.operation.class)}</div>
      <h3 id="${title}"><code>${hold.operation.action}</code>${hold.operation.upstream ? html` <span class="on">on</span> <span class="upstream">${hold.operation.upstream}</span>` : ''}</h3>
      <dl class="hold-meta">
        <div><dt>Agent</dt><dd class="agent">${hold.agent}</dd></div>
        <div><dt>Door</dt><dd>${hold.operation.door}</dd></div>
        <div><dt>Held</dt><dd>${relativeTime(hold.createdAt, now)}</dd></div>
        <div><dt>Expires</dt><dd>${relativeTime(hold.expiresAt, now)}</dd></div>
        ${hold.operation.resources.length ? html`<div><dt>Target</dt><dd class="resources">${hold.operation.resources.join(', ')}</dd></div>` : ''}
      </dl>
    </header>
    <pre class="summary" aria-label="The request as the agent sent it">${hold.operation.summary}</pre>
    ${partsTable(hold)}
    <div class="why">
      <h4>Why it was held</h4>
      <ul>${hold.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>
      <p class="muted small">Policies: ${hold.policies.join(', ') || '-'} · Needs ${needsText(hold)}${
        hold.approvals.length ? html` · Approved so far by ${hold.approvals.map((a) => a.operator).join(', ')}` : ''
      }</p>
    </div>
    <form class="hold-actions" data-api="POST /v1/admin/holds/${hold.id}/approve" data-done="refresh" aria-label="Decide hold ${hold.id}">
      ${codeField(`code-${hold.id}`, 'Your code')}
      <label class="reason-field" for="reason-${hold.id}">Reason <span class="muted small">(for a denial, told to the agent)</span>
        <input id="reason-${hold.id}" name="reason" maxlength="500">
      </label>
      <div class="decide">
        ${
          approvedByMe
            ? html`<span class="muted">You approved this; it needs another operator.</span>`
            : html`<button type="submit" class="button button-approve" data-api="POST /v1/admin/holds/${hold.id}/approve" data-fields="code" data-success="Approved ${hold.id}">Approve</button>`
        }
        <button type="submit" class="button button-deny" data-api="POST /v1/admin/holds/${hold.id}/deny" data-fields="code reason" data-success="Denied ${hold.id}"
          data-confirm="Deny ${hold.operation.action} for ${hold.agent}? The request is refused for good.">Deny</button>
        <a class="details-link" href="/holds/${hold.id}">Details</a>
      </div>
      <p class="form-error" role="alert" hidden></p>
    </form>
    <p class="hold-id muted small">Hold <code>${hold.id}</code> · digest <code>${hold.operation.digest.slice(0, 16)}…</code></p>
  </article>`;
}

/** Production first, then the longest waiting (it expires first). */
export function byUrgency(a: HoldView, b: HoldView): number {
  const production = (hold: HoldView) => (environmentTone(hold.operation.environment) === 'production' ? 0 : 1);
  return production(a) - production(b) || Date.parse(a.expiresAt) - Date.parse(b.expiresAt);
}

/** The live part of the holds page: the pending holds, most urgent first. */
export function pendingHolds(holds: readonly HoldView[], now: Date, operator: string): Html {
  if (holds.length === 0) {
    return html`<p class="empty" data-pending="0">No holds are waiting. New ones appear here as agents ask.</p>`;
  }
  return html`<div class="hold-list" data-pending="${holds.length}">${[...holds].sort(byUrgency).map((hold) => holdCard(hold, now, operator))}</div>`;
}

export function scheduledHolds(holds: readonly HoldView[], now: Date): Html {
  if (holds.length === 0) return html``;
  return html`<section aria-labelledby="scheduled-title" class="panel">
    <h2 id="scheduled-title">Approved, waiting to run</h2>
    <table>
      <thead><tr><th scope="col">Hold</th><th scope="col">Operation</th><th scope="col">Agent</th><th scope="col">Runs</th><th scope="col"></th></tr></thead>
      <tbody>
        ${holds.map(
          (hold) => html`<tr>
            <td><a href="/holds/${hold.id}"><code>${hold.id}</code></a></td>
            <td>${environmentBadge(hold.operation.environment)} <code>${hold.operation.action}</code></td>
            <td>${hold.agent}</td>
            <td>${relativeTime(hold.runAt, now)}</td>
            <td>${apiForm(
              {
                verb: 'POST',
                path: `/holds/${hold.id}/cancel`,
                success: `Cancelled ${hold.id}`,
                confirm: `Cancel ${hold.operation.action} before it runs?`,
                className: 'inline-form',
              },
              html`<button type="submit" class="button button-deny">Cancel</button><p class="form-error" role="alert" hidden></p>`,
            )}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

export function recentHolds(holds: readonly HoldView[]): Html {
  return html`<section aria-labelledby="recent-title" class="panel">
    <h2 id="recent-title">Recently decided</h2>
    ${
      holds.length === 0
        ? html`<p class="empty">Nothing decided yet.</p>`
        : html`<table>
          <thead><tr><th scope="col">Status</th><th scope="col">Operation</th><th scope="col">Agent</th><th scope="col">By</th><th scope="col">Held at</th></tr></thead>
          <tbody>
            ${holds.map(
              (hold) => html`<tr>
                <td>${statusBadge(hold.status)}</td>
                <td>${environmentBadge(hold.operation.environment)} <a href="/holds/${hold.id}"><code>${hold.operation.action}</code></a>${hold.operation.upstream ? html` on ${hold.operation.upstream}` : ''}</td>
                <td>${hold.agent}</td>
                <td>${hold.decidedBy ?? (hold.approvals.map((a) => a.operator).join(', ') || '-')}</td>
                <td>${shortTime(hold.createdAt)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
    }
  </section>`;
}

export function holdsPage(parts: { pending: Html; scheduled: Html; recent: Html; pendingCount: number }): Html {
  return html`<section aria-labelledby="pending-title">
      <div class="section-head">
        <h1 id="pending-title">Pending holds</h1>
        <p class="muted">Operations agents asked for that wait for a human. Approve with a code from your authenticator app.</p>
      </div>
      <div id="pending-holds" data-live-url="/console/fragments/holds" data-refresh-on="holds" aria-live="polite">${parts.pending}</div>
    </section>
    <div id="holds-other" data-live-url="/console/fragments/holds-other" data-refresh-on="holds">${parts.scheduled}${parts.recent}</div>`;
}

/** One hold in full: the exact request, its approvals, and what happened to it. */
export function holdDetailPage(hold: HoldDetail, now: Date, operator: string): Html {
  return html`<p><a href="/holds">← All holds</a></p>
    <h1>Hold <code>${hold.id}</code> ${statusBadge(hold.status)}</h1>
    ${
      hold.status === 'pending'
        ? holdCard(hold, now, operator)
        : html`<article class="hold-card tone-${environmentTone(hold.operation.environment)}">
          <div class="hold-badges">${environmentBadge(hold.operation.environment)} ${classBadge(hold.operation.class)}</div>
          <h3><code>${hold.operation.action}</code>${hold.operation.upstream ? html` on ${hold.operation.upstream}` : ''} · agent ${hold.agent}</h3>
          <pre class="summary">${hold.operation.summary}</pre>
          ${partsTable(hold)}
          <ul>${hold.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>
        </article>`
    }
    <section class="panel" aria-labelledby="detail-title">
      <h2 id="detail-title">Record</h2>
      <dl class="facts">
        <dt>Status</dt><dd>${hold.status}${hold.decidedBy ? html` by ${hold.decidedBy}` : ''}${hold.decision ? html`: ${hold.decision}` : ''}</dd>
        <dt>Created</dt><dd>${shortTime(hold.createdAt)}</dd>
        <dt>Expires</dt><dd>${shortTime(hold.expiresAt)}</dd>
        ${hold.runAt ? html`<dt>Runs at</dt><dd>${shortTime(hold.runAt)}</dd>` : ''}
        ${hold.executedAt ? html`<dt>Ran at</dt><dd>${shortTime(hold.executedAt)}</dd>` : ''}
        <dt>Approvals</dt><dd>${hold.approvals.length ? hold.approvals.map((a) => html`${a.operator} at ${shortTime(a.at)}${a.secondFactor ? ' (with code)' : ''}; `) : 'none'}</dd>
        <dt>Token</dt><dd><code>${hold.tokenId}</code></dd>
        <dt>Digest</dt><dd><code>${hold.operation.digest}</code></dd>
      </dl>
      <h3>The exact request held</h3>
      <pre class="request">${readableRequest(hold.request)}</pre>
      ${hold.outcome !== undefined ? html`<h3>Outcome</h3><pre class="request">${JSON.stringify(hold.outcome, null, 2)}</pre>` : ''}
      ${
        hold.deliveries.length
          ? html`<h3>Notifications</h3>
            <table>
              <thead><tr><th scope="col">Webhook</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th></tr></thead>
              <tbody>${hold.deliveries.map(
                (d) =>
                  html`<tr><td>${d.webhook}</td><td>${d.event}</td><td>${statusBadge(d.status)}</td><td>${d.attempts}</td><td>${d.lastError ?? '-'}</td></tr>`,
              )}</tbody>
            </table>`
          : ''
      }
    </section>`;
}
