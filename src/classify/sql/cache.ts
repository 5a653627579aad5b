/**
 * A bounded map that forgets what has not been used for a while: a hot query is parsed once,
 * and a client that sends endless distinct texts cannot grow Airlock's memory.
 *
 * Two generations of half the capacity each, rather than a strict least-recently-used order:
 * entries are added to the current one, a hit in the previous one is copied forward, and when
 * the current one is full it becomes the previous one (the old previous one is dropped whole).
 * Keeping a strict order in a Map means a delete and a set on every hit, and each delete leaves
 * a dead slot in the key's hash chain until V8 rebuilds the table: in a full cache a hot key's
 * lookup grew to ~20 µs, more than parsing its text.
 */
export class BoundedCache<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  private readonly generation: number;

  constructor(capacity: number) {
    this.generation = Math.max(1, Math.ceil(capacity / 2));
  }

  get(key: string): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    this.current.set(key, value);
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  /** Entries held, counting one copied forward from the previous generation twice. */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}
