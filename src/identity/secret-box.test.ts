import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSecretKey, loadSecretKey, SecretKeyError } from './secret-box.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-key-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const HEX = 'a'.repeat(64);

describe('the secret box', () => {
  it('opens what it sealed, for the same owner only', () => {
    const key = decodeSecretKey(HEX, 'test');
    const sealed = key.seal('JBSWY3DPEHPK3PXP', 'operator:alice');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(key.open(sealed, 'operator:alice')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => key.open(sealed, 'operator:mallory')).toThrow(SecretKeyError);
  });

  it('refuses a sealed value that was altered', () => {
    const key = decodeSecretKey(HEX, 'test');
    const parts = key.seal('secret', 'operator:alice').split(':');
    const body = Buffer.from(parts[4]!, 'base64');
    body[0]! ^= 1;
    parts[4] = body.toString('base64');
    expect(() => key.open(parts.join(':'), 'operator:alice')).toThrow(/altered/);
  });

  it('says which key a value needs when opened with another', () => {
    const sealed = decodeSecretKey(HEX, 'first').seal('secret', 'operator:alice');
    expect(() => decodeSecretKey('b'.repeat(64), 'AIRLOCK_SECRET_KEY').open(sealed, 'operator:alice')).toThrow(/sealed with another key/);
  });

  it('accepts a key as hex or base64 and refuses one of the wrong length', () => {
    const bytes = Buffer.alloc(32, 7);
    expect(decodeSecretKey(bytes.toString('base64'), 'b64').id).toBe(decodeSecretKey(bytes.toString('hex'), 'hex').id);
    expect(() => decodeSecretKey('too-short', 'AIRLOCK_SECRET_KEY')).toThrow(/32 bytes/);
  });

  it('uses AIRLOCK_SECRET_KEY when it is set, writing no key file', () => {
    const dir = tempDir();
    const key = loadSecretKey(dir, { env: { AIRLOCK_SECRET_KEY: HEX } });
    expect(key.source).toBe('AIRLOCK_SECRET_KEY');
    expect(() => statSync(join(dir, 'secret.key'))).toThrow();
  });

  it('without AIRLOCK_SECRET_KEY, generates a key file readable by its owner only, and warns', () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const key = loadSecretKey(join(dir, 'data'), { env: {}, warn: (m) => warnings.push(m) });
    const file = join(dir, 'data', 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(warnings[0]).toContain('AIRLOCK_SECRET_KEY is not set');
    expect(loadSecretKey(join(dir, 'data'), { env: {} }).id).toBe(key.id);
  });

  it('never shows the key when printed or serialised', () => {
    const key = decodeSecretKey(HEX, 'test');
    expect(JSON.stringify({ key })).not.toContain(HEX);
    expect(String(key)).not.toContain(HEX);
  });
});
