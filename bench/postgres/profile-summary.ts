/** A V8 CPU profile (Profiler.stop), summarised as self time by file and by function. */
export interface Profile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const TOP = 25;

/** Where a sample's time belongs, by the function it was in and the file that function is from. */
const CATEGORIES: readonly (readonly [name: string, matches: (functionName: string, file: string) => boolean])[] = [
  ['the bench itself (the profiler, spawning pgbench)', (f) => f === 'dispatch' || f === 'spawn'],
  ['socket writes (kernel)', (f) => f === 'writeBuffer' || f === 'writev' || f === 'writeUtf8String'],
  ['audit hand-off (postMessage, worker)', (f, file) => f === 'postMessage' || file === 'node:internal/worker' || file.endsWith('store/sqlite/audit.ts')],
  [
    'SQLite reads on the main thread',
    (f, file) => f === 'get' || f === 'all' || f === 'run' || file.includes('better-sqlite3') || file.startsWith('src/store/'),
  ],
  ['the door (src/doors/postgres)', (_, file) => file.startsWith('src/doors/postgres/')],
  [
    'classification (src/classify, libpg-query)',
    (f, file) => file.startsWith('src/classify/') || file.includes('libpg-query') || f.startsWith('wasm-function') || f.startsWith('js-to-wasm'),
  ],
  ['SHA-256 (digests, the chain)', (f, file) => f === 'Hash' || f === 'update' || f === 'digest' || file === 'node:internal/crypto/hash'],
  ['audit record (src/audit)', (_, file) => file.startsWith('src/audit/')],
  ['gate, policy, identity, holds', (_, file) => /^src\/(gate|policy|identity|holds|core|server)\//.test(file) || file.includes('cedar')],
  ['baseline', (_, file) => file.startsWith('src/baseline/')],
  ['metrics (prom-client)', (_, file) => file === 'prom-client'],
  ['Node streams and sockets (JS)', (_, file) => /^node:(net|stream|internal\/stream|internal\/streams|buffer|events)/.test(file)],
  [
    'promises, async context, timers',
    (f, file) =>
      /^node:(async_hooks|internal\/async_hooks|internal\/process\/task_queues|internal\/process\/promises|internal\/timers|timers)/.test(file) ||
      f === 'runMicrotasks',
  ],
  ['garbage collector', (f) => f === '(garbage collector)'],
  ['(program): V8 and libuv outside JS', (f) => f === '(program)'],
];

/** Self time per file (the project's by path, dependencies by package) and the busiest functions, busy time only. */
export function summarizeProfile(profiles: readonly Profile[]): string {
  const byCategory = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    for (let i = 0; i < profile.samples.length; i++) {
      const node = nodes.get(profile.samples[i]!)!;
      const us = profile.timeDeltas[i] ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') {
        idle += us;
        continue;
      }
      busy += us;
      const file = fileOf(url, functionName);
      byFile.set(file, (byFile.get(file) ?? 0) + us);
      const category = CATEGORIES.find(([, matches]) => matches(functionName, file))?.[0] ?? 'other';
      byCategory.set(category, (byCategory.get(category) ?? 0) + us);
      const fn = `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    }
  }
  const lines = [`\nmain thread profile: busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`];
  const table = (title: string, map: Map<string, number>) => {
    lines.push(`\n${title}`);
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) lines.push(`  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
  };
  table('self time by part (% of busy)', byCategory);
  table('self time by file (% of busy)', byFile);
  table('self time by function (% of busy)', byFunction);
  return lines.join('\n');
}

function fileOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0)
    return url
      .slice(modules + 'node_modules/'.length)
      .split('/')
      .slice(0, url.includes('node_modules/@') ? 2 : 1)
      .join('/');
  const src = url.lastIndexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^node:/, 'node:');
}
