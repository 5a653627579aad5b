import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { getProcessor } from 'sh-syntax';

/**
 * mvdan/sh's strict Bash parser, from sh-syntax's WebAssembly build. sh-syntax's own `parse`
 * compiles the Go module from its bytes on every call (tens of milliseconds of CPU, more on a
 * busy machine); here it is compiled once and only instantiated per call. A fresh Go runtime per
 * call is kept on purpose: one runtime kept across calls stalled after about a thousand
 * commands, and a runtime that traps on a very long or deep command cannot be trusted after.
 */

/** The two WebAssembly calls used here (the DOM library that types the rest is not loaded). */
const wasm = (
  globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object>; instantiate(module: object, imports: object): Promise<object> } }
).WebAssembly;

let compiled: Promise<object> | undefined;

const parse = getProcessor((imports: object) => {
  compiled ??= readFile(createRequire(import.meta.url).resolve('sh-syntax/main.wasm')).then((bytes) => wasm.compile(bytes));
  return compiled.then((module) => wasm.instantiate(module, imports));
});

/** undefined when Bash would accept `text`; otherwise the parser's message. */
export async function strictSyntaxError(text: string): Promise<string | undefined> {
  try {
    await parse(text);
    return undefined;
  } catch (error) {
    return (error as Error).message || 'a syntax error';
  }
}
