import { describe, expect, it } from 'vitest';
import { buildNameIndex, exposedName, upstreamNamed } from './catalog.js';

describe('agent-facing names', () => {
  it('joins the upstream and the tool with a double underscore', () => {
    expect(exposedName('fs', 'read_file')).toBe('fs__read_file');
    expect(exposedName('github', 'create_issue')).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });

  it('looks names up in the index rather than splitting them, so underscores anywhere still resolve', () => {
    const index = buildNameIndex([
      { upstreamName: 'a', upstream: 'A', items: [{ name: '_b' }, { name: 'c__d' }] },
      { upstreamName: 'x_', upstream: 'X', items: [{ name: 'y' }] },
    ]);
    expect(index.byName.get('a___b')?.upstream).toBe('A');
    expect(index.byName.get('a__c__d')?.item.name).toBe('c__d');
    expect(index.byName.get('x___y')?.upstream).toBe('X');
  });

  it('keeps the first of two colliding names and reports the collision', () => {
    const index = buildNameIndex([
      { upstreamName: 'a', upstream: 'A', items: [{ name: '_b' }] },
      { upstreamName: 'a_', upstream: 'A_', items: [{ name: 'b' }] },
    ]);
    expect(index.byName.get('a___b')?.upstream).toBe('A');
    expect(index.entries).toHaveLength(1);
    expect(index.collisions).toEqual(['a___b']);
  });

  it('finds the upstream an unknown name was meant for by the longest prefix', () => {
    expect(upstreamNamed('db__gone', ['db', 'db__x'])).toBe('db');
    expect(upstreamNamed('db__x__gone', ['db', 'db__x'])).toBe('db__x');
    expect(upstreamNamed('nothing', ['db'])).toBeUndefined();
  });
});
