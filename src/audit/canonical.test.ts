import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 'é"' }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"x":"é\\"","z":1}]},"b":1}',
    );
  });

  it('writes undefined array items as null, as JSON does', () => {
    expect(canonicalJson([1, undefined, 'a'])).toBe('[1,null,"a"]');
  });

  it('is the same for the same record whatever order its keys were set in', () => {
    expect(canonicalJson({ seq: 1, at: 'x', prev: '0', type: 'decision' })).toBe(canonicalJson({ type: 'decision', prev: '0', at: 'x', seq: 1 }));
  });

  it('refuses numbers JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
  });
});
