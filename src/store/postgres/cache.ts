import type { ChangeFeed } from './changes.js';

/**
 * Read-through caches for what every decision reads (a token, its agent, the stop and freeze
 * switches), emptied by the change feed: a change made by any replica or the CLI reaches every
 * cache within a notification's delay. While the feed is not listening nothing is cached, so a
 * replica that cannot hear changes reads the store on every decision instead of trusting an old
 * answer.
 */
export class ChangeCache {
  /** Moves on every emptying, so that a load that started before a change does not store its stale answer. */
  private generation = 0;
  private readonly maps = new Set<Map<string, unknown>>();

  constructor(
    private readonly feed: ChangeFeed,
    private readonly limit = 10_000,
  ) {
    feed.subscribe(() => this.changed());
  }

  of<V>(): (key: string, load: () => Promise<V>) => Promise<V> {
    const map = new Map<string, V>();
    this.maps.add(map as Map<string, unknown>);
    return async (key, load) => {
      if (this.feed.listening && map.has(key)) return map.get(key)!;
      const generation = this.generation;
      const value = await load();
      if (this.feed.listening && generation === this.generation) {
        if (map.size >= this.limit) map.clear();
        map.set(key, value);
      }
      return value;
    };
  }

  /** Called after every write through this store that the cached values depend on. */
  changed(): void {
    this.generation++;
    for (const map of this.maps) map.clear();
  }
}
