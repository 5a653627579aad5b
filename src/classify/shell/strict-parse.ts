import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LangVariant } from 'sh-syntax';

/**
 * mvdan/sh's strict Bash parser, from sh-syntax's WebAssembly build, kept running in one
 * instance. sh-syntax's own `parse` starts a new Go runtime for every call, whose shutdown
 * then runs on the event loop's timers: about 50 ms before the next task gets its turn, for
 * each command a door reads. One instance answers in a fraction of a millisecond; it is
 * dropped (and the next call starts another) whenever a call traps, since a trapped Go
 * runtime's state cannot be trusted.
 *
 * The call below is sh-syntax's `processor` calling convention, with its defaults for parsing
 * Bash without printing.
 */

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  wasmAlloc(size: number): number;
  wasmFree(pointer: number): void;
  process(...args: (number | boolean)[]): number;
}

/** What the DOM library would type: the two WebAssembly calls used here. */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface GoRuntime {
  readonly importObject: object;
  run(instance: object): Promise<void>;
}

let compiled: object | undefined;
let running: Exports | undefined;

function instance(): Exports {
  if (running) return running;
  // sh-syntax's entry point installs Go's `wasm_exec` runtime (globalThis.Go) on import.
  const Go = (globalThis as unknown as { Go: new () => GoRuntime }).Go;
  compiled ??= new wasm.Module(readFileSync(createRequire(import.meta.url).resolve('sh-syntax/main.wasm')));
  const go = new Go();
  const started = new wasm.Instance(compiled, go.importObject);
  void go.run(started);
  running = started.exports as Exports;
  return running;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * undefined when Bash would accept `text`; otherwise the parser's message. A trap (Go's
 * runtime out of memory or stack on a very long or deep command) is retried once on a fresh
 * instance, so that what one command left behind never decides how the next one is read.
 */
export function strictSyntaxError(text: string): string | undefined {
  try {
    return check(instance(), text);
  } catch {
    running = undefined;
  }
  try {
    return check(instance(), text);
  } catch (error) {
    running = undefined;
    return (error as Error).message;
  }
}

function check(parser: Exports, text: string): string | undefined {
  const source = encoder.encode(text);
  const textPointer = parser.wasmAlloc(source.byteLength);
  new Uint8Array(parser.memory.buffer).set(source, textPointer);
  const emptyPointer = parser.wasmAlloc(0);
  const resultPointer = parser.process(
    ...[emptyPointer, 0, 0, textPointer, source.byteLength, source.byteLength],
    ...[false, true, LangVariant.LangBash, emptyPointer, 0, 0, 0],
    ...[false, 2, true, true, true, false, false, false, false],
  );
  parser.wasmFree(textPointer);
  parser.wasmFree(emptyPointer);
  const result = new Uint8Array(parser.memory.buffer).subarray(resultPointer);
  const answer = decoder.decode(result.subarray(0, result.indexOf(0)));
  if (!answer.startsWith('{"') || !answer.endsWith('}')) return answer || 'the parser gave no answer';
  const { parseError, message } = JSON.parse(answer) as { parseError?: { Text?: string } | null; message?: string };
  if (parseError) return parseError.Text ?? 'a syntax error';
  return message || undefined;
}
