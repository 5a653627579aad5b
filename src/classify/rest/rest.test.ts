import { describe, expect, it } from 'vitest';
import { mostDangerousPart } from '../../core/operation.js';
import { analyseRest, classifyRest, normalizePath, type RestRule } from './index.js';

describe('normalizePath', () => {
  it.each([
    ['/v1/volumes/vol_1', '/v1/volumes/vol_1'],
    ['/v1//volumes///vol_1', '/v1/volumes/vol_1'],
    ['/v1/./volumes/./vol_1', '/v1/volumes/vol_1'],
    ['/v1/projects/../volumes/vol_1', '/v1/volumes/vol_1'],
    ['/v1/%76olumes/vol%5F1', '/v1/volumes/vol_1'],
    ['/v1/%2e%2e/v1/volumes/vol_1', '/v1/volumes/vol_1'],
    ['/v1/volumes/vol_1/', '/v1/volumes/vol_1/'],
    ['/v1/volumes/vol%201', '/v1/volumes/vol%201'],
    ['/v1/volumes/caf%C3%A9', '/v1/volumes/caf%C3%A9'],
    ['/v1/volumes/a:b@c', '/v1/volumes/a:b@c'],
    ['/', '/'],
  ])('normalises %s to %s', (raw, expected) => {
    const result = normalizePath(raw);
    expect(result.ok && result.path).toBe(expected);
  });

  it('keeps the query string as sent', () => {
    const result = normalizePath('/v1/volumes?limit=10&name=a%20b');
    expect(result.ok && result.query).toBe('limit=10&name=a%20b');
  });

  it.each([
    ['an encoded slash', '/v1/volumes%2Fvol_1'],
    ['an encoded slash in lower case', '/v1/volumes%2fvol_1'],
    ['an encoded backslash', '/v1/volumes%5Cvol_1'],
    ['a raw backslash', '/v1\\volumes\\vol_1'],
    ['a double encoding', '/v1/volumes/%252e%252e/x'],
    ['an encoded control character', '/v1/volumes/vol_1%00.json'],
    ['climbing above the root', '/v1/../../etc/passwd'],
    ['a dot segment with parameters', '/v1/..;/admin'],
    ['a malformed escape', '/v1/volumes/%zz'],
    ['invalid UTF-8', '/v1/volumes/%ff'],
    ['a raw space', '/v1/volumes/a b'],
    ['a fragment', '/v1/volumes#x'],
    ['an absolute URL', 'http://upstream/v1/volumes'],
    ['a raw non-ASCII character', '/v1/volumes/café'],
  ])('refuses %s', (_name, raw) => {
    expect(normalizePath(raw).ok).toBe(false);
  });
});

describe('classifyRest', () => {
  it.each([
    ['GET', 'read'],
    ['HEAD', 'read'],
    ['OPTIONS', 'read'],
    ['POST', 'write'],
    ['PUT', 'write'],
    ['PATCH', 'write'],
    ['DELETE', 'destructive'],
    ['PURGE', 'destructive'],
    ['delete', 'destructive'],
  ])('classifies %s by default as %s', (method, expected) => {
    const result = classifyRest(method, '/v1/volumes/vol_1');
    expect(result.ok && result.parts[0]!.class).toBe(expected);
  });

  it('judges the root and a path of ids alone by the method', () => {
    for (const [method, path, cls] of [
      ['POST', '/', 'write'],
      ['GET', '/', 'read'],
      ['DELETE', '/', 'destructive'],
      ['DELETE', '/42/7', 'destructive'],
    ] as const) {
      const result = classifyRest(method, path);
      expect(result.ok && result.parts[0]!.class, `${method} ${path}`).toBe(cls);
    }
  });

  it('names the action by the shape of the path and takes ids from it', () => {
    const result = classifyRest('DELETE', '/v1/projects/prj_1/volumes/vol_1');
    expect(result.ok && result.parts[0]).toMatchObject({
      action: 'rest:DELETE /v1/projects/*/volumes/*',
      class: 'destructive',
      resources: ['prj_1', 'vol_1'],
      text: 'DELETE /v1/projects/prj_1/volumes/vol_1',
    });
  });

  const rules: RestRule[] = [
    { method: 'POST', path: '/v1/volumes/{volumeId}/wipe', class: 'destructive', action: 'volume.wipe' },
    { method: 'DELETE', path: '/v1/cache/**', class: 'write' },
    { method: '*', path: '/v1/tokens/**', class: 'privilege' },
  ];

  it('lets the first matching rule decide, recording what {name} captured', () => {
    const result = classifyRest('POST', '/v1/volumes/vol_1/wipe', { rules });
    expect(result.ok && result.parts[0]).toMatchObject({ action: 'volume.wipe', class: 'destructive', resources: ['vol_1'] });
    const cache = classifyRest('DELETE', '/v1/cache/a/b', { rules });
    expect(cache.ok && cache.parts[0]!.class).toBe('write');
    const token = classifyRest('GET', '/v1/tokens', { rules });
    expect(token.ok && token.parts[0]!.class).toBe('privilege');
  });

  it.each([
    '/v1/volumes/vol_1/wipe/',
    '/v1//volumes/vol_1/wipe',
    '/v1/volumes/./vol_1/wipe',
    '/v1/volumes/x/../vol_1/wipe',
    '/v1/volumes/vol_1/%77ipe',
    '/v1/volumes/vol_1/wipe?force=1',
  ])('matches the rule through path tricks: %s', (path) => {
    const result = classifyRest('POST', path, { rules });
    expect(result.ok && result.parts[0]!.class).toBe('destructive');
  });

  it('matches without regard to case only when the upstream says so', () => {
    const strict = classifyRest('POST', '/v1/Volumes/vol_1/WIPE', { rules });
    const caseless = classifyRest('POST', '/v1/Volumes/vol_1/WIPE', { rules, caseInsensitivePaths: true });
    expect(strict.ok && strict.parts[0]!.action).toBe('rest:POST /v1/Volumes/*/WIPE');
    expect(caseless.ok && caseless.parts[0]!.action).toBe('volume.wipe');
    // Without the rule, the word still reads as what it says.
    expect(strict.ok && strict.parts[0]!.class).toBe('destructive');
  });

  it('judges a _method override as the method it asks for', () => {
    const result = classifyRest('POST', '/v1/volumes/vol_1?_method=DELETE');
    expect(result.ok && mostDangerousPart(result.parts)!.class).toBe('destructive');
  });

  it.each(['TRACE', 'CONNECT', 'GET /x', ''])('refuses the method %j', (method) => {
    expect(classifyRest(method, '/v1/volumes').ok).toBe(false);
  });

  it('gives the door the canonical path to forward', () => {
    const analysis = analyseRest('DELETE', '/v1//volumes/./%76ol_1');
    expect(analysis.ok && analysis.path.path).toBe('/v1/volumes/vol_1');
  });
});
