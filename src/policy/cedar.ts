/** The one place Airlock touches the Cedar WebAssembly bindings. */
import '../wasm-safety.js';
export * as cedar from '@cedar-policy/cedar-wasm/nodejs';
export type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
