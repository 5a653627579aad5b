import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** What a page renders into: an escaped HTML string. Interpolations in `html` are escaped. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

// Matched as a word of the name (`production`, `eu-prod`, `prd_2`), so a region prefix does not hide it.
const PRODUCTION = /(^|[^a-z])(prod|production|prd|live)([^a-z]|$)/i;
const RELAXED = /(^|[^a-z])(dev|development|test|testing|local|sandbox|preview)([^a-z]|$)/i;
const STAGING = /(^|[^a-z])(stag|staging|stg|qa|uat)([^a-z]|$)/i;

/** The tone of an environment badge: production is unmistakable, anything unknown is treated as production-like. */
export function environmentTone(environment: string): 'production' | 'staging' | 'relaxed' | 'other' {
  if (PRODUCTION.test(environment)) return 'production';
  if (STAGING.test(environment)) return 'staging';
  if (RELAXED.test(environment)) return 'relaxed';
  return 'other';
}

export function environmentBadge(environment: string | undefined): Html {
  if (!environment) return html``;
  const tone = environmentTone(environment);
  return html`<span class="badge env env-${tone}" title="environment: ${environment}">${tone === 'production' ? '⚠ ' : ''}${environment}</span>`;
}

export function classBadge(operationClass: string | undefined): Html {
  if (!operationClass) return html``;
  return html`<span class="badge class class-${operationClass}">${operationClass}</span>`;
}

export function verdictBadge(verdict: string | undefined, code?: string): Html {
  if (!verdict) return html``;
  return html`<span class="badge verdict verdict-${verdict}">${verdict}${code ? html` · ${code}` : ''}</span>`;
}

export function stateBadge(state: string): Html {
  return html`<span class="badge state state-${state}">${state}</span>`;
}

export function statusBadge(status: string): Html {
  return html`<span class="badge status status-${status}">${status}</span>`;
}

/** "3 min ago" / "in 57 min", relative to `now`; the exact time is in the title and datetime. */
export function relativeTime(iso: string | undefined, now: Date): Html {
  if (!iso) return html`-`;
  const ms = Date.parse(iso) - now.getTime();
  const abs = Math.abs(ms);
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const [size, unit] = units.find(([size]) => abs >= size) ?? [1000, 's'];
  const amount = Math.floor(abs / size);
  const text = abs < 5000 ? 'just now' : ms < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
  return html`<time datetime="${iso}" title="${iso}">${text}</time>`;
}

/** An instant as operators read it in a table: date and time to the second, UTC. */
export function shortTime(iso: string): Html {
  const text = iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return html`<time datetime="${iso}">${text}</time>`;
}

/** A form that the console script sends to the admin API as JSON (see assets/console.js). */
export function apiForm(
  options: {
    verb: 'POST' | 'DELETE';
    path: string;
    done?: string;
    success?: string;
    confirm?: string;
    className?: string;
    label?: string;
    /** Ask for a second-factor code in a dialog before sending (for compact rows of buttons). */
    askCode?: string;
    build?: string;
  },
  body: Html,
): Html {
  return html`<form class="${options.className ?? ''}" data-api="${options.verb} /v1/admin${options.path}" data-done="${options.done ?? 'refresh'}"${
    options.success ? html` data-success="${options.success}"` : ''
  }${options.confirm ? html` data-confirm="${options.confirm}"` : ''}${options.askCode ? html` data-ask-code="${options.askCode}"` : ''}${
    options.build ? html` data-build="${options.build}"` : ''
  }${options.label ? html` aria-label="${options.label}"` : ''}>${body}</form>`;
}

/** The one-time code field every sensitive action asks for. */
export function codeField(id: string, label = 'Code'): Html {
  return html`<label class="code-field" for="${id}">${label}
    <input id="${id}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" placeholder="123456" required>
  </label>`;
}
