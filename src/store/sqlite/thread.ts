import { Worker } from 'node:worker_threads';

/**
 * Starts one of the store's threads from the module `name` beside this one. Under a TypeScript
 * runner (the tests) that module is a .ts file, loaded through tsx.
 */
export function startStoreThread(name: 'audit-writer' | 'audit-checkpointer', workerData: unknown): Worker {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) {
    const module = JSON.stringify(new URL(`./${name}.ts`, here).href);
    return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${module}); })`, { eval: true, workerData });
  }
  return new Worker(new URL(`./${name}.js`, here), { workerData });
}
