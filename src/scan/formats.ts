import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import { TOKEN_PATTERN } from '../identity/token-format.js';

/**
 * Known credential formats, found by secretlint's recommended rule set (AWS, GCP, GitHub,
 * Slack, npm, SendGrid, OpenAI, Anthropic, Linear, 1Password, Shopify, private keys, basic
 * auth in URLs, database connection strings). Airlock keeps no patterns of its own: a
 * maintained rule set follows the providers' formats as they change.
 */
export interface FormatFinding {
  /** The rule that matched, e.g. `@secretlint/secretlint-rule-github`. */
  readonly rule: string;
  /** What was found, in words: `GitHub token`. */
  readonly kind: string;
  /** Offsets of the credential in the text (UTF-16, end exclusive). */
  readonly start: number;
  readonly end: number;
}

const KINDS: Record<string, string> = {
  '@secretlint/secretlint-rule-aws': 'AWS credential',
  '@secretlint/secretlint-rule-gcp': 'GCP service account key',
  '@secretlint/secretlint-rule-github': 'GitHub token',
  '@secretlint/secretlint-rule-slack': 'Slack token',
  '@secretlint/secretlint-rule-npm': 'npm token',
  '@secretlint/secretlint-rule-sendgrid': 'SendGrid API key',
  '@secretlint/secretlint-rule-openai': 'OpenAI API key',
  '@secretlint/secretlint-rule-anthropic': 'Anthropic API key',
  '@secretlint/secretlint-rule-linear': 'Linear API key',
  '@secretlint/secretlint-rule-1password': '1Password service account token',
  '@secretlint/secretlint-rule-shopify': 'Shopify token',
  '@secretlint/secretlint-rule-privatekey': 'private key',
  '@secretlint/secretlint-rule-basicauth': 'password in a URL',
  '@secretlint/secretlint-rule-database-connection-string': 'database connection string with a password',
};

// secretlint 11 profiles every lint whether asked or not: each call leaves performance marks in
// the process's timeline, and a module-level observer keeps every one and scans them all on the
// next (secretlint/secretlint#1633; made optional in 13, which needs Node 22). A server that scans
// every request would then leak memory and slow down with its uptime: the egress door's requests
// took 10 to 50 ms after a few hundred. No profile is ever read here.
secretLintProfiler.mark = () => {};

const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendedRules }] };

/** Credentials of a known format in `content`; an Airlock token (`alk_…`) is never one. */
export async function findCredentialFormats(content: string, filePath = 'input.txt'): Promise<FormatFinding[]> {
  if (content.length === 0) return [];
  const ext = /\.[^./]+$/.exec(filePath)?.[0] ?? '';
  const result = await lintSource({
    source: { content, filePath, ext, contentType: 'text' },
    options: { config, maskSecrets: true, noPhysicFilePath: true },
  });
  const findings: FormatFinding[] = [];
  for (const message of result.messages) {
    const [start, end] = message.range;
    const matched = content.slice(start, end);
    TOKEN_PATTERN.lastIndex = 0;
    if (TOKEN_PATTERN.test(matched)) continue;
    const rule = message.ruleId;
    findings.push({ rule, kind: KINDS[rule] ?? `${rule.replace('@secretlint/secretlint-rule-', '')} credential`, start, end });
  }
  return findings;
}
