import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Checks (or starts) PostgreSQL and the tools the suite drives; clears the attack records
    // before a run and writes docs/attacks.md after one (AIRLOCK_ATTACKS_DOC=1).
    globalSetup: ['test/support/environment-setup.ts', 'test/support/attacks-report.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end suites start servers on ephemeral ports; two cores, two forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
