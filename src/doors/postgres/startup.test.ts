import { describe, expect, it } from 'vitest';
import { startupParametersFor } from './login.js';
import { guardedSetting } from './settings.js';

describe('startupParametersFor', () => {
  it('passes harmless settings on and pins encoding and string syntax', () => {
    expect(startupParametersFor({ user: 'bot', database: 'shop', application_name: 'psql', client_encoding: 'auto' })).toEqual({
      application_name: 'psql',
      client_encoding: 'UTF8',
      standard_conforming_strings: 'on',
    });
  });

  it('passes -c settings in options on, and refuses any other switch', () => {
    expect(startupParametersFor({ options: '-c search_path=app\\ x --statement-timeout=5s' }).options).toBe('-c search_path=app\\ x -c statement_timeout=5s');
    expect(() => startupParametersFor({ options: '-d 5' })).toThrow(/does not pass the startup option "-d"/);
  });

  it('refuses settings SET would be judged for, wherever they come', () => {
    expect(() => startupParametersFor({ role: 'postgres' })).toThrow(/startup setting "role"/);
    expect(() => startupParametersFor({ options: '-c session_replication_role=replica' })).toThrow(/session_replication_role/);
    expect(() => startupParametersFor({ local_preload_libraries: 'x' })).toThrow(/local_preload_libraries/);
    expect(() => startupParametersFor({ client_encoding: 'SJIS' })).toThrow(/client_encoding SJIS/);
  });
});

describe('guardedSetting', () => {
  it.each([
    ['client_encoding', 'UTF8', undefined],
    ['client_encoding', "'utf-8'", undefined],
    ['client_encoding', 'BIG5', /UTF8 only/],
    ['standard_conforming_strings', 'on', undefined],
    ['standard_conforming_strings', 'off', /standard_conforming_strings on/],
    ['standard_conforming_strings', null, undefined],
    ['search_path', 'anything', undefined],
  ])('%s = %s', (name, value, expected) => {
    const result = guardedSetting(name, value);
    if (expected) expect(result).toMatch(expected);
    else expect(result).toBeUndefined();
  });
});
