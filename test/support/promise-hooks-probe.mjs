/**
 * Loaded into an Airlock process under test (`NODE_OPTIONS=--import=<this file>`): on SIGUSR2 it
 * writes one JSON line to stderr saying whether an async hook watches the process's promises.
 * Without one, two promises settled in the same turn run in the same async context; once any
 * hook is installed (an AsyncLocalStorage, async_hooks.createHook), Node gives each promise an
 * async id of its own, and a hook runs for every promise the process makes.
 */
import { executionAsyncId } from 'node:async_hooks';

process.on('SIGUSR2', () => {
  const id = () => executionAsyncId();
  void Promise.all([Promise.resolve().then(id), Promise.resolve().then(id)]).then(([first, second]) => {
    process.stderr.write(`${JSON.stringify({ probe: 'promise-hooks', active: first !== second, ids: [first, second] })}\n`);
  });
});
