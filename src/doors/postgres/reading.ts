/**
 * One reading of SQL text: Airlock parses every statement as PostgreSQL does with
 * client_encoding UTF8 and standard_conforming_strings on. The server says which reading it
 * uses in ParameterStatus messages, at login and whenever one of them changes (however it was
 * changed: SET, set_config, an UPDATE of pg_settings, a function's SET clause left behind by an
 * error). The door believes the server, not the statements it judged.
 *
 * @example
 * readingProblem('standard_conforming_strings', 'off');
 * // 'the server now reads SQL with standard_conforming_strings off, …'
 * readingIndependent("SELECT 'a\\', 'b'"); // false: a backslash is read differently with it off
 */
import { guardedSetting } from './settings.js';

/** The server's parameters that decide how it reads the bytes of a statement. */
export const READING_PARAMETERS: readonly string[] = ['client_encoding', 'standard_conforming_strings'];

/** Why the server's reported `value` of `name` is not a reading Airlock parses with, or undefined. */
export function readingProblem(name: string, value: string): string | undefined {
  const key = name.toLowerCase();
  if (!READING_PARAMETERS.includes(key)) return undefined;
  if (guardedSetting(key, value) === undefined) return undefined;
  return `the server now reads SQL with ${key} ${value}, which Airlock does not parse with, so a statement could mean one thing to Airlock and another to the server`;
}

/** What is wrong with the reading the server reported at login (missing counts as wrong). */
export function loginReadingProblem(reported: ReadonlyMap<string, string>): string | undefined {
  for (const name of READING_PARAMETERS) {
    const value = reported.get(name);
    if (value === undefined) return `the server did not report ${name}, so Airlock cannot know how it reads SQL`;
    const problem = readingProblem(name, value);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Whether the text is read the same under every reading the server could have switched to: no
 * backslash (the only character standard_conforming_strings changes) and nothing but ASCII (every
 * client encoding PostgreSQL supports reads bytes below 0x80 as ASCII, and only a byte from 0x80
 * up starts a character that could swallow a quote or a backslash). Such a text may be forwarded
 * before the server has confirmed its reading; any other waits for that confirmation.
 */
export function readingIndependent(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80 || code === 0x5c) return false;
  }
  return true;
}
