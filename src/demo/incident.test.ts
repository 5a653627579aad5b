import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/airlock.js';
import { runIncidentDemo } from './incident.js';

describe('the incident replay', () => {
  it('deletes the volume with the raw token, and holds the same call through Airlock', async () => {
    let text = '';
    const result = await runIncidentDemo({ write: (chunk) => (text += chunk) });
    expect(result).toMatchObject({ deletedWithoutAirlock: true, held: true, intact: true, refusedRealToken: true });
    expect(result.holdId).toMatch(/^hold_/);
    expect(text).toContain('GONE, with every file and backup on it');
    expect(text).toContain('Airlock answered 403 AIRLOCK_HELD');
    expect(text).toContain('the API received 0 volumeDelete calls');
    expect(text).toMatch(/why: graphql:volumeDelete is a destructive operation in production/);
    // Act three: the found token, at the real host, through the sandbox's egress proxy.
    expect(text).toMatch(/3\. The sandbox's only way out/);
    expect(text).toMatch(/Airlock answered 403: .*not the agent's own/);
    expect(text).toMatch(/agent coding-agent .* → DENY \(airlock\/raw-credential\)/);
  });

  it('runs as `airlock demo incident`', () => {
    const result = runCli(['demo', 'incident']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('3 files, 48211 customer rows, 3 backups');
  });
});
