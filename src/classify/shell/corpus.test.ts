import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mostDangerousPart, type OperationClass } from '../../core/operation.js';
import { generateToken } from '../../identity/token-format.js';
import { classifyShell, type ShellContext } from './index.js';

interface Case {
  readonly command: string;
  readonly class?: OperationClass;
  readonly action?: string;
  readonly why?: string;
  readonly note?: string;
}

const corpus = JSON.parse(readFileSync(new URL('./fixtures/corpus.json', import.meta.url), 'utf8')) as {
  context: Omit<ShellContext, 'secrets'>;
  benign: Case[];
  destructive: Case[];
  privilege: Case[];
  evasions: Case[];
  refused: Case[];
};

// Made at run time, so that no file of the project holds a credential.
const SECRET = `rw_${randomBytes(18).toString('hex')}`;
const GITHUB_TOKEN = `ghp_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
const AIRLOCK_TOKEN = generateToken().token;
const DB_PASSWORD = `Pw${randomBytes(12).toString('hex')}`;
const context: ShellContext = { ...corpus.context, secrets: [{ label: 'upstream railway', value: SECRET }] };

function fill(command: string): string {
  return command
    .replaceAll('{{SECRET}}', SECRET)
    .replaceAll('{{GITHUB_TOKEN}}', GITHUB_TOKEN)
    .replaceAll('{{AIRLOCK_TOKEN}}', AIRLOCK_TOKEN)
    .replaceAll('{{DB_PASSWORD}}', DB_PASSWORD);
}

const classified = [...corpus.benign, ...corpus.destructive, ...corpus.privilege, ...corpus.evasions];

describe('the shell corpus', () => {
  it('has at least 80 commands, benign, destructive and evasive', () => {
    expect(classified.length + corpus.refused.length).toBeGreaterThanOrEqual(80);
    expect(corpus.evasions.length).toBeGreaterThanOrEqual(20);
  });

  it.concurrent.each(classified.map((c) => [c.command, c] as const))('classifies %s', async (_, c) => {
    const result = await classifyShell(fill(c.command), context);
    if (!result.ok) throw new Error(`refused: ${result.error}`);
    const worst = mostDangerousPart(result.parts);
    expect({ class: worst?.class, ...(c.action ? { action: worst?.action } : {}) }).toEqual({ class: c.class, ...(c.action ? { action: c.action } : {}) });
  });

  it.concurrent.each(corpus.refused.map((c) => [c.command, c] as const))('refuses %s', async (_, c) => {
    const result = await classifyShell(fill(c.command), context);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(c.why === 'does not parse' ? 'cannot read' : c.why!);
  });
});
