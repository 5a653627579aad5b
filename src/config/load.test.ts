import { describe, expect, it } from 'vitest';
import { checkSecrets, ConfigError, parseConfig, type ConfigProblem } from './load.js';
import { resolveSecret, Secret } from './secret.js';
import { inspect } from 'node:util';

function problems(yaml: string): ConfigProblem[] {
  try {
    parseConfig(yaml, '/etc/airlock/airlock.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('loading airlock.yaml', () => {
  it('fills in defaults for an empty file: one HTTP listener, SQLite in the XDG state folder, not beside the config', () => {
    const config = parseConfig('', '/srv/airlock/airlock.yaml', { HOME: '/home/ops' });
    expect(config.listen.http).toEqual({ host: '127.0.0.1', port: 4100 });
    expect(config.storePath).toBe('/home/ops/.local/state/airlock/airlock.db');
    expect(config.auditHeadPath).toBe('/home/ops/.local/state/airlock/audit.head');
    expect(config.holds.ttl).toBe(3_600_000);
  });

  it('keeps state in XDG_STATE_HOME, AIRLOCK_STATE_DIR, or the config’s dataDir, each over the one before', () => {
    expect(parseConfig('', '/srv/a.yaml', { HOME: '/home/ops', XDG_STATE_HOME: '/var/state' }).dataDir).toBe('/var/state/airlock');
    expect(parseConfig('', '/srv/a.yaml', { HOME: '/home/ops', XDG_STATE_HOME: '/var/state', AIRLOCK_STATE_DIR: '/data/airlock' }).dataDir).toBe(
      '/data/airlock',
    );
    expect(parseConfig('dataDir: state\n', '/srv/a.yaml', { AIRLOCK_STATE_DIR: '/data/airlock' }).dataDir).toBe('/srv/state');
  });

  it('makes paths absolute against the config file, not the working directory', () => {
    const config = parseConfig('policies: [rules/main.cedar]\nstore: { sqlite: state/a.db }\n', '/srv/airlock/airlock.yaml');
    expect(config.policyFiles).toEqual(['/srv/airlock/rules/main.cedar']);
    expect(config.storePath).toBe('/srv/airlock/state/a.db');
  });

  const cases: [string, string, string, number, RegExp][] = [
    ['an unknown key', 'listen:\n  htp: 127.0.0.1:1\n', 'listen.htp', 2, /unknown key/],
    ['a bad listen address', 'listen:\n  http: localhost\n', 'listen.http', 2, /host:port/],
    ['an upstream without a kind', 'upstreams:\n  - name: railway\n    url: https://x\n', 'upstreams[0].kind', 2, /graphql, rest, postgres, mcp/],
    ['an upstream with a bad name', 'upstreams:\n  - name: Rail Way\n    kind: rest\n    url: https://x\n', 'upstreams[0].name', 2, /lower-case/],
    [
      'a credential written in the config',
      'upstreams:\n  - name: r\n    kind: graphql\n    url: https://x\n    credential:\n      bearer: sk-live-123\n',
      'upstreams[0].credential',
      5,
      /never the secret itself|credential must be/,
    ],
    ['a duration without a unit', 'holds:\n  ttl: 60\n', 'holds.ttl', 2, /duration/],
    ['a freeze window in the wrong shape', 'freeze:\n  - reason: r\n    from: tomorrow\n', 'freeze[0]', 2, /freeze window/],
    [
      'a duplicate upstream name',
      'upstreams:\n  - { name: a, kind: rest, url: "https://x" }\n  - { name: a, kind: rest, url: "https://y" }\n',
      'upstreams[1].name',
      3,
      /already used by upstreams\[0\]/,
    ],
    ['a class that does not exist', 'budgets:\n  - { class: delete, limit: 1, per: 1h }\n', 'budgets[0].class', 2, /read, write, destructive, privilege/],
    ['a missing required key', 'upstreams:\n  - name: db\n    kind: postgres\n    user: postgres\n', 'upstreams[0].database', 2, /is required/],
  ];

  it.each(cases)('refuses %s, naming the key and the line', (_what, yaml, key, line, message) => {
    const [problem] = problems(yaml);
    expect(problem).toMatchObject({ file: '/etc/airlock/airlock.yaml', key, line });
    expect(problem!.message).toMatch(message);
  });

  it('refuses YAML it cannot parse, with the line', () => {
    const [problem] = problems('listen:\n  http: [unclosed\n');
    expect(problem!.message).toMatch(/not valid YAML/);
    expect(problem!.line).toBeGreaterThanOrEqual(2);
  });

  it('formats every problem as file:line:column: key: message', () => {
    expect(() => parseConfig('holds:\n  ttl: soon\n', 'airlock.yaml')).toThrow(/^airlock\.yaml:2:3: holds\.ttl: a duration/);
  });
});

describe('secrets', () => {
  const yaml = 'upstreams:\n  - name: railway\n    kind: graphql\n    url: https://x\n    credential:\n      bearer: { env: RAILWAY_TOKEN }\n';

  it('reports a missing environment variable at the key that names it', () => {
    const config = parseConfig(yaml, '/nonexistent/airlock.yaml');
    const problems = checkSecrets({ ...config, file: '/nonexistent/airlock.yaml' }, {});
    expect(problems[0]).toMatchObject({ key: 'upstreams[0].credential.bearer', message: expect.stringContaining('RAILWAY_TOKEN is not set') });
  });

  it('never prints a resolved secret', () => {
    const secret = resolveSecret({ env: 'T' }, { T: 'sk-live-very-secret' });
    expect(secret).toBeInstanceOf(Secret);
    expect(String(secret)).toBe('[redacted]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect({ secret })).not.toContain('sk-live');
    expect(`${secret}`).not.toContain('sk-live');
    expect(secret.reveal()).toBe('sk-live-very-secret');
  });
});
