import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { findCredentialFormats } from './formats.js';

describe('findCredentialFormats', () => {
  it('finds a token of a known format and leaves an Airlock token alone', async () => {
    const github = `ghp_${'a1B2c3D4e5'.repeat(3)}123456`;
    const found = await findCredentialFormats(`export GITHUB_TOKEN=${github}\nexport AIRLOCK=alk_${'x'.repeat(40)}`);
    expect(found.map((f) => f.kind)).toEqual(['GitHub token']);
  });

  it('leaves nothing behind in the process after thousands of scans, so a long-running server neither leaks nor slows', async () => {
    const before = performance.getEntriesByType('mark').length;
    for (let i = 0; i < 2000; i++) await findCredentialFormats(`curl -H "Authorization: Bearer value-${i}" https://api.example.com/`);
    expect(performance.getEntriesByType('mark').length - before).toBe(0);
    expect(performance.getEntriesByType('measure')).toHaveLength(0);
  });
});
