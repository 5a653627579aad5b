import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';
import { planReload } from './reload.js';

const FILE = '/etc/airlock/airlock.yaml';
const parse = (text: string) => parseConfig(text, FILE, { AIRLOCK_STATE_DIR: '/var/lib/airlock' });

const BASE = `
listen: { http: 127.0.0.1:4100 }
upstreams:
  - { name: api, kind: rest, url: http://api.internal, environment: staging }
`;

describe('planReload', () => {
  it('applies a changed upstream and egress.allow, and reports nothing as needing a restart', () => {
    const running = parse(BASE);
    const next = parse(`${BASE.replace('http://api.internal', 'http://api-2.internal')}egress: { allow: [registry.npmjs.org] }\n`);
    const plan = planReload(running, running, next);
    expect(plan.changed).toEqual(['egress', 'upstreams']);
    expect(plan.needsRestart).toEqual([]);
    expect(plan.config.upstreams[0]).toMatchObject({ url: 'http://api-2.internal' });
    expect(plan.config.egress.allow).toEqual(['registry.npmjs.org']);
  });

  it('keeps the running listener, store and limits when the file changes them, and names each as needing a restart', () => {
    const running = parse(BASE);
    const next = parse(
      `${BASE.replace('127.0.0.1:4100', '0.0.0.0:4200')}store: { postgres: postgres://airlock@db/airlock }\nlimits: { bodyBytes: 2048 }\nholds: { ttl: 2h }\n`,
    );
    const plan = planReload(running, running, next);
    expect(plan.needsRestart).toEqual(['limits', 'listen', 'store']);
    expect(plan.changed).toEqual(['holds']);
    expect(plan.config.listen).toEqual(running.listen);
    expect(plan.config.store).toBeUndefined();
    expect(plan.config.limits).toEqual(running.limits);
    expect(plan.config.storePath).toBe(running.storePath);
    expect(plan.config.holds.ttl).toBe(7_200_000);
  });

  it('leaves the number of workers to the next start, and does not count --workers as an edit of the file', () => {
    const started = parse(BASE);
    const edited = planReload(started, started, parse(`${BASE}workers: auto\n`));
    expect(edited.needsRestart).toEqual(['workers']);
    expect(edited.config.workers).toBe(1);
    const overridden = { ...started, workers: 4 as const };
    expect(planReload(overridden, started, parse(BASE)).needsRestart).toEqual([]);
  });

  it('takes workers as auto or a whole number from 1, and refuses anything else with the forms to write', () => {
    expect(parse(`${BASE}workers: auto\n`).workers).toBe('auto');
    expect(parse(`${BASE}workers: 3\n`).workers).toBe(3);
    for (const bad of ['0', '1.5', 'many']) expect(() => parse(`${BASE}workers: ${bad}\n`)).toThrow(/workers is auto or a whole number from 1 to 256/);
  });

  it('compares start-time settings with the file as it was at start, not with overrides applied since', () => {
    const started = parse(BASE);
    // `--listen http=…` at start: the running config differs from the file, the file did not change.
    const running = { ...started, listen: { http: { host: '127.0.0.1', port: 5000 } } };
    const plan = planReload(running, started, parse(BASE));
    expect(plan.needsRestart).toEqual([]);
    expect(plan.changed).toEqual([]);
    expect(plan.config.listen).toEqual(running.listen);
  });
});
