/**
 * One variable, one meaning: AIRLOCK_AGENT_URL is where hooks send decisions, AIRLOCK_ADMIN_URL
 * is the remote Airlock operator commands act through. Setting the first for a harness must not
 * turn `airlock hold list` into a remote call that fails for want of an API key.
 */
import { describe, expect, it } from 'vitest';
import { runCli, writeTestConfig } from '../support/airlock.js';

const { configPath } = writeTestConfig();
const clean = { AIRLOCK_URL: '', AIRLOCK_AGENT_URL: '', AIRLOCK_ADMIN_URL: '', AIRLOCK_API_KEY: '' };
const cli = (args: string[], env: NodeJS.ProcessEnv) => runCli(['--config', configPath, ...args], { env: { ...clean, ...env } });

describe('the environment variables that name an Airlock', () => {
  it('leaves operator commands on the local store when only AIRLOCK_AGENT_URL is set', () => {
    expect(cli(['agent', 'add', 'coder'], { AIRLOCK_AGENT_URL: 'http://127.0.0.1:9' }).status).toBe(0);
    const listed = cli(['agent', 'list', '--json'], { AIRLOCK_AGENT_URL: 'http://127.0.0.1:9' });
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'coder' })]);
  });

  it('sends operator commands to AIRLOCK_ADMIN_URL, asking for the API key it needs', () => {
    const result = cli(['agent', 'list'], { AIRLOCK_ADMIN_URL: 'http://127.0.0.1:9' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('set AIRLOCK_API_KEY');
    expect(result.stderr).toContain('AIRLOCK_AGENT_URL');
  });

  it('still honours the older AIRLOCK_URL for operator commands, with a deprecation warning', () => {
    const result = cli(['agent', 'list'], { AIRLOCK_URL: 'http://127.0.0.1:9', AIRLOCK_API_KEY: 'alkop_x' });
    expect(result.stderr).toContain('AIRLOCK_URL for operator commands is deprecated; set AIRLOCK_ADMIN_URL instead');
    expect(result.stderr).toContain('cannot reach Airlock at http://127.0.0.1:9');
  });
});
