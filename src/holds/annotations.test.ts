import { describe, expect, it } from 'vitest';
import { PolicyEngine } from '../policy/engine.js';
import { PolicyLoadError } from '../policy/policy-file.js';
import { holdNeedsOf, holdWaitOf } from '../policy/hold-annotations.js';

const load = (text: string) => PolicyEngine.fromSources([{ file: 'holds.cedar', text }]);

describe('hold annotations', () => {
  it('reads the second factor, the number of operators, the delay and the wait of a hold', () => {
    const engine = load(`
@id("two-people")
@hold("mfa")
@approvals("2")
@delay("15m")
@wait("5m")
forbid (principal, action == Airlock::Action::"destructive", resource);`);
    const policy = engine.policy('two-people')!;
    expect(holdNeedsOf(policy)).toEqual({ approvals: 2, secondFactor: true, delaySeconds: 900 });
    expect(holdWaitOf(policy)).toBe(300_000);
  });

  it('lets @hold("approval") go without a second factor', () => {
    const engine = load(`@id("plain") @hold("approval") forbid (principal, action == Airlock::Action::"privilege", resource);`);
    expect(holdNeedsOf(engine.policy('plain')!)).toEqual({ approvals: 1, secondFactor: false, delaySeconds: 0 });
    expect(holdWaitOf(engine.policy('plain')!)).toBeUndefined();
  });

  it('refuses @wait without @hold, and a wait longer than an hour', () => {
    expect(() => load(`@id("a") @wait("5m") forbid (principal, action, resource);`)).toThrow(PolicyLoadError);
    expect(() => load(`@id("b") @hold("mfa") @wait("2h") forbid (principal, action, resource);`)).toThrow(/at most 1h/);
    expect(() => load(`@id("c") @hold("mfa") @wait("soon") forbid (principal, action, resource);`)).toThrow(/@wait\("soon"\)/);
  });
});
