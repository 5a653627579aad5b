/** The one place Airlock touches the Cedar WebAssembly bindings. */
export * as cedar from '@cedar-policy/cedar-wasm/nodejs';
export type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
