import { setFlagsFromString } from 'node:v8';

/**
 * Node 20's V8 can crash the process ("Fatal error … unreachable code" in the deoptimizer) when
 * an optimised function that inlined a call into WebAssembly is deoptimised lazily. Airlock
 * calls WebAssembly on every decision (Cedar) and every statement (the PostgreSQL parser), so
 * it turns that inlining off before anything is hot. The cost is a few nanoseconds per call.
 */
setFlagsFromString('--no-turbo-inline-js-wasm-calls');
