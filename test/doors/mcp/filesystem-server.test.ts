/**
 * The reference filesystem MCP server from the npm registry (@modelcontextprotocol/server-filesystem),
 * unchanged, behind Airlock: what an agent can and cannot do to files through it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpDoor } from '../../../src/doors/mcp/index.js';
import { ROOT, startTestAirlock, type TestAirlock } from '../../support/airlock.js';
import { approveAsOperator, call, connectAgent, textOf } from './support.js';

const SERVER = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
let files: string;
let airlock: TestAirlock;
let agent: Client;
const clients: Client[] = [];
let agents = 0;

/** A new agent per test that is held or refused, so that the circuit breaker of one does not reach the next. */
async function newAgent(scopes = ['write:staging', 'read:production']): Promise<Client> {
  const client = await connectAgent(airlock.url, await airlock.token(`coder-${++agents}`, scopes));
  clients.push(client);
  return client;
}

beforeAll(async () => {
  files = realpathSync(mkdtempSync(join(tmpdir(), 'airlock-fs-')));
  mkdirSync(join(files, 'staging'));
  mkdirSync(join(files, 'prod'));
  writeFileSync(join(files, 'staging', 'notes.txt'), 'staging notes\n');
  writeFileSync(join(files, 'prod', 'db.conf'), 'production settings\n');
  airlock = await startTestAirlock({
    config: {
      upstreams: [
        {
          name: 'fs',
          kind: 'mcp',
          environment: 'production',
          environments: { [`${files}/staging/**`]: 'staging' },
          transport: { type: 'stdio', command: process.execPath, args: [SERVER, files] },
        },
      ],
    },
    doors: [createMcpDoor()],
  });
  agent = await connectAgent(airlock.url, await airlock.token('coder', ['write:staging', 'read:production']));
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await agent?.close();
  await airlock?.close();
  rmSync(files, { recursive: true, force: true });
});

describe('the reference filesystem MCP server behind Airlock', () => {
  it('offers its tools as fs__<tool>', async () => {
    const names = (await agent.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['fs__read_text_file', 'fs__write_file', 'fs__move_file', 'fs__create_directory']));
  });

  it('lets a file be read', async () => {
    const result = await call(agent, 'fs__read_text_file', { path: join(files, 'staging', 'notes.txt') });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('staging notes');
  });

  it('holds overwriting a file, and the file is unchanged', async () => {
    const agent = await newAgent();
    const path = join(files, 'staging', 'notes.txt');
    const result = await call(agent, 'fs__write_file', { path, content: 'overwritten' });
    expect(result.isError).toBe(true);
    expect(result._meta?.['airlock/verdict']).toBe('hold');
    expect(textOf(result)).toMatch(/hold hold_[0-9a-z]{20}/);
    expect(readFileSync(path, 'utf8')).toBe('staging notes\n');
  });

  it('holds moving a file away (a delete of its old name)', async () => {
    const agent = await newAgent();
    const source = join(files, 'prod', 'db.conf');
    const result = await call(agent, 'fs__move_file', { source, destination: join(files, 'staging', 'stolen.conf') });
    expect(result._meta?.['airlock/verdict']).toBe('hold');
    expect(existsSync(source)).toBe(true);
  });

  it('runs the approved overwrite once, and holds the identical call again afterwards', async () => {
    const agent = await newAgent();
    const path = join(files, 'staging', 'notes.txt');
    const held = await call(agent, 'fs__write_file', { path, content: 'approved content' });
    const holdId = held._meta?.['airlock/holdId'] as string;
    await approveAsOperator(airlock, holdId);

    const approved = await call(agent, 'fs__write_file', { path, content: 'approved content' });
    expect(approved.isError).toBeFalsy();
    expect(readFileSync(path, 'utf8')).toBe('approved content');

    writeFileSync(path, 'changed since');
    const again = await call(agent, 'fs__write_file', { path, content: 'approved content' });
    expect(again._meta?.['airlock/verdict']).toBe('hold');
    expect(readFileSync(path, 'utf8')).toBe('changed since');
  });

  it('allows creating a directory in staging (destructiveHint: false is a write)', async () => {
    const result = await call(agent, 'fs__create_directory', { path: join(files, 'staging', 'new') });
    expect(result.isError).toBeFalsy();
    expect(existsSync(join(files, 'staging', 'new'))).toBe(true);
  });

  it('refuses a write in production that no scope covers', async () => {
    const agent = await newAgent();
    const result = await call(agent, 'fs__create_directory', { path: join(files, 'prod', 'new') });
    expect(result.isError).toBe(true);
    expect(result._meta?.['airlock/code']).toBe('forbidden');
    expect(existsSync(join(files, 'prod', 'new'))).toBe(false);
  });

  it('places a path that climbs out of staging with .. where it really points', async () => {
    const agent = await newAgent();
    const result = await call(agent, 'fs__create_directory', { path: `${files}/staging/../prod/escape` });
    expect(result._meta?.['airlock/code']).toBe('forbidden');
    expect(existsSync(join(files, 'prod', 'escape'))).toBe(false);
  });

  it('hides the tools a read-only token can never be allowed, and shows the ones a human may approve', async () => {
    const reader = await newAgent(['read:*']);
    const names = (await reader.listTools()).tools.map((t) => t.name);
    expect(names).toContain('fs__read_text_file');
    expect(names).not.toContain('fs__create_directory');
    expect(names).toContain('fs__write_file');
  });
});
