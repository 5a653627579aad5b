import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread from the module `name` beside `from` (the caller's `import.meta.url`).
 * Under a TypeScript runner (the tests) that module is a .ts file, loaded through tsx.
 *
 * @example
 * const worker = startThread(import.meta.url, 'audit-writer', { path });
 */
export function startThread(from: string, name: string, workerData: unknown): Worker {
  const here = new URL(from);
  if (here.pathname.endsWith('.ts')) {
    const module = JSON.stringify(new URL(`./${name}.ts`, here).href);
    return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${module}); })`, { eval: true, workerData });
  }
  return new Worker(new URL(`./${name}.js`, here), { workerData });
}
