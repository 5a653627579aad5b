/**
 * Choosing the store in the config: PostgreSQL by URL, its password by secret reference only,
 * and a clear refusal to start when it cannot be reached.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSecrets, ConfigError, parseConfig } from '../../src/config/load.js';
import { openStore, StoreUnavailableError } from '../../src/store/open.js';
import { freshPostgresDatabase } from './stores.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configWith(store: string): ReturnType<typeof parseConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-store-config-'));
  dirs.push(dir);
  return parseConfig(`dataDir: ${dir}\nstore:\n${store}\n`, join(dir, 'airlock.yaml'));
}

describe('store in the config', () => {
  it('refuses a password written into the PostgreSQL URL, saying how to give it instead', () => {
    expect(() => configWith('  postgres: postgres://airlock:hunter2@db:5432/airlock')).toThrow(ConfigError);
    try {
      configWith('  postgres: postgres://airlock:hunter2@db:5432/airlock');
    } catch (error) {
      const [problem] = (error as ConfigError).problems;
      expect(problem).toMatchObject({ key: 'store.postgres', line: 3 });
      expect(problem!.message).toContain('password: { env: VARIABLE }');
      expect(problem!.message).not.toContain('hunter2');
    }
  });

  it('names an unset store password in config check, and refuses to open the store without it', async () => {
    const config = configWith('  postgres:\n    url: postgres://airlock@127.0.0.1:5432/airlock\n    password: { env: AIRLOCK_TEST_UNSET_PG_PASSWORD }');
    expect(checkSecrets(config, {})).toMatchObject([{ key: 'store.postgres.password', message: expect.stringContaining('AIRLOCK_TEST_UNSET_PG_PASSWORD') }]);
    await expect(openStore(config, { writerThread: false })).rejects.toThrow(
      /store\.postgres\.password: environment variable AIRLOCK_TEST_UNSET_PG_PASSWORD is not set/,
    );
  });

  it('opens PostgreSQL with the password from its secret reference, and shows its location without it', async () => {
    const database = await freshPostgresDatabase();
    process.env.AIRLOCK_TEST_PG_PASSWORD = 'not-shown-anywhere';
    try {
      const config = configWith(`  postgres:\n    url: ${database.url}\n    password: { env: AIRLOCK_TEST_PG_PASSWORD }\n    pool: 3`);
      const store = await openStore(config, { writerThread: false });
      expect(store.location).toBe(database.url);
      expect(await store.health()).toEqual({ ok: true });
      await store.close();
    } finally {
      delete process.env.AIRLOCK_TEST_PG_PASSWORD;
      await database.drop();
    }
  });

  it('refuses to start when PostgreSQL cannot be reached, with the cause and no credential', async () => {
    process.env.AIRLOCK_TEST_PG_PASSWORD = 'not-shown-anywhere';
    try {
      const config = configWith('  postgres:\n    url: postgres://airlock@127.0.0.1:1/airlock\n    password: { env: AIRLOCK_TEST_PG_PASSWORD }');
      const failure = await openStore(config, { writerThread: false }).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect((failure as Error).message).toMatch(/^cannot open the PostgreSQL store: .*ECONNREFUSED/);
      expect((failure as Error).message).not.toContain('not-shown-anywhere');
    } finally {
      delete process.env.AIRLOCK_TEST_PG_PASSWORD;
    }
  });
});
