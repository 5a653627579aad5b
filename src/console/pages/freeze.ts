import { html } from 'hono/html';
import type { FreezeWindowConfig } from '../../config/schema.js';
import type { ControlState } from '../../store/records.js';
import { shortTime, type Html } from './parts.js';

function windowText(window: FreezeWindowConfig): Html {
  if ('weekly' in window) return html`every week, ${window.weekly.from} → ${window.weekly.until} UTC`;
  if ('daily' in window) return html`every day, ${window.daily.from} → ${window.daily.until} UTC`;
  return html`${shortTime(window.from)} → ${shortTime(window.until)}`;
}

/** Freeze windows: the configured ones, and one an operator started now. */
export function freezePage(options: { windows: readonly FreezeWindowConfig[]; control: ControlState; actions: Html }): Html {
  return html`<div class="section-head">
      <h1>Freeze windows</h1>
      <p class="muted">While a freeze is on, agents may only read: every write, destructive or privilege operation is refused.</p>
    </div>
    <div id="freeze-live" data-live-url="/console/fragments/freeze" data-refresh-on="control">
      ${freezeStatus(options.control)}
    </div>
    ${options.actions}
    <section class="panel" aria-labelledby="windows-title">
      <h2 id="windows-title">Configured windows</h2>
      ${options.windows.length === 0
        ? html`<p class="empty">None configured. Add them under <code>freeze:</code> in airlock.yaml.</p>`
        : html`<table>
            <thead><tr><th scope="col">When</th><th scope="col">Reason</th></tr></thead>
            <tbody>${options.windows.map((w) => html`<tr><td>${windowText(w)}</td><td>${w.reason}</td></tr>`)}</tbody>
          </table>`}
    </section>`;
}

export function freezeStatus(control: ControlState): Html {
  const { freeze } = control;
  return html`<section class="panel" aria-labelledby="now-title">
    <h2 id="now-title">Now</h2>
    ${freeze
      ? html`<p class="freeze-on"><strong>Frozen</strong> since ${shortTime(freeze.from)}${freeze.until ? html` until ${shortTime(freeze.until)}` : ' until an operator ends it'}, by ${freeze.by}: ${freeze.reason}</p>`
      : html`<p>No freeze started by an operator is in force.</p>`}
  </section>`;
}
