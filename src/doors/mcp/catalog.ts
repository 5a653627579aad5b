/**
 * The agent sees one MCP server. Each upstream's tools and prompts are offered under
 * `<upstream>__<name>`: a double underscore, because `_` is allowed in tool names by the MCP
 * spec (letters, digits, `_`, `-`, `.`) and by every client we know of, where `/` and `.` are
 * not. Names are looked up in the index built here, never split, so an upstream or tool name
 * containing `__` still resolves; two upstreams whose names would collide are reported and the
 * later one's entry is left out.
 */

export const NAME_SEPARATOR = '__';

export function exposedName(upstream: string, name: string): string {
  return `${upstream}${NAME_SEPARATOR}${name}`;
}

export interface Named {
  readonly name: string;
}

export interface IndexEntry<T extends Named, U> {
  /** The name the agent sees. */
  readonly exposed: string;
  readonly upstream: U;
  readonly item: T;
}

export interface NameIndex<T extends Named, U> {
  readonly entries: readonly IndexEntry<T, U>[];
  readonly byName: ReadonlyMap<string, IndexEntry<T, U>>;
  /** Names two upstreams both produced; only the first upstream's is offered. */
  readonly collisions: readonly string[];
}

/** Builds the agent-facing index, upstreams in config order. */
export function buildNameIndex<T extends Named, U>(lists: readonly { upstreamName: string; upstream: U; items: readonly T[] }[]): NameIndex<T, U> {
  const byName = new Map<string, IndexEntry<T, U>>();
  const entries: IndexEntry<T, U>[] = [];
  const collisions: string[] = [];
  for (const { upstreamName, upstream, items } of lists) {
    for (const item of items) {
      const exposed = exposedName(upstreamName, item.name);
      if (byName.has(exposed)) {
        collisions.push(exposed);
        continue;
      }
      const entry = { exposed, upstream, item };
      byName.set(exposed, entry);
      entries.push(entry);
    }
  }
  return { entries, byName, collisions };
}

/** The upstream a name was meant for, by its prefix (the longest upstream name that fits). */
export function upstreamNamed(name: string, upstreamNames: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const upstream of upstreamNames) {
    if (name.startsWith(`${upstream}${NAME_SEPARATOR}`) && (best === undefined || upstream.length > best.length)) best = upstream;
  }
  return best;
}
