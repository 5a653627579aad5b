/**
 * Counts events in a sliding time window with bounded memory: the window is cut into 60 slices,
 * and an event is forgotten once its whole slice has left the window. The count may include
 * events up to one slice (1/60 of the window) older than the window; never fewer.
 */
export class WindowCounter {
  private readonly slice: number;
  private readonly slices = new Map<number, number>();

  constructor(readonly window: number) {
    this.slice = Math.max(1, Math.ceil(window / 60));
  }

  add(at: number, count = 1): void {
    const index = Math.floor(at / this.slice);
    this.slices.set(index, (this.slices.get(index) ?? 0) + count);
  }

  count(now: number): number {
    const oldest = Math.floor((now - this.window) / this.slice);
    let total = 0;
    for (const [index, count] of this.slices) {
      if (index < oldest) this.slices.delete(index);
      else total += count;
    }
    return total;
  }

  /**
   * The slices that cover `from` to `to`, each as the time range [start, end) of the events
   * that `add` files under it; the first starts at `from`, the last ends at `to`.
   */
  slicesBetween(from: number, to: number): [number, number][] {
    const ranges: [number, number][] = [];
    for (let start = from; start < to; ) {
      const end = Math.min(to, (Math.floor(start / this.slice) + 1) * this.slice);
      ranges.push([start, end]);
      start = end;
    }
    return ranges;
  }

  clear(): void {
    this.slices.clear();
  }
}
