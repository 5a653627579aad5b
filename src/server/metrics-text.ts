/**
 * A small registry that writes Prometheus' text exposition format (version 0.0.4): counters,
 * gauges read at scrape time, and histograms, each with labels. Kept to what Airlock exposes, so
 * it can be swapped for prom-client without touching the instruments' callers.
 *
 * @example
 * const registry = new MetricsRegistry();
 * const decisions = registry.counter('airlock_decisions_total', 'Decisions made', ['door', 'verdict']);
 * decisions.inc({ door: 'http', verdict: 'allow' });
 * await registry.render(); // '# HELP airlock_decisions_total Decisions made\n# TYPE …'
 */

export type Labels = Readonly<Record<string, string>>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values escape backslash, double quote and newline; HELP text escapes backslash and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelText(names: readonly string[], labels: Labels, extra?: [string, string]): string {
  const pairs = names.map((name) => `${name}="${escapeLabelValue(labels[name] ?? '')}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

function keyOf(names: readonly string[], labels: Labels): string {
  return JSON.stringify(names.map((name) => labels[name] ?? ''));
}

interface Metric {
  readonly name: string;
  render(): Promise<string[]> | string[];
}

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(this.labelNames, labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(this.labelNames, labels)} ${formatValue(value)}`);
    return lines;
  }
}

/** A gauge whose values are read when scraped (from the store, a queue): nothing to keep in step. */
export class Gauge {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly collect: () => Promise<readonly { labels?: Labels; value: number }[]> | readonly { labels?: Labels; value: number }[],
  ) {}
  async render(): Promise<string[]> {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of await this.collect()) lines.push(`${this.name}${labelText(this.labelNames, labels ?? {})} ${formatValue(value)}`);
    return lines;
  }
}

export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly buckets: readonly number[],
  ) {
    if (labelNames.includes('le')) throw new Error('a histogram cannot have a label named le');
  }
  observe(labels: Labels, value: number): void {
    const key = keyOf(this.labelNames, labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.counts[i]! += 1;
    });
    entry.sum += value;
    entry.count += 1;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((bound, i) => {
        lines.push(`${this.name}_bucket${labelText(this.labelNames, labels, ['le', formatValue(bound)])} ${counts[i]}`);
      });
      lines.push(`${this.name}_bucket${labelText(this.labelNames, labels, ['le', '+Inf'])} ${count}`);
      lines.push(`${this.name}_sum${labelText(this.labelNames, labels)} ${formatValue(sum)}`);
      lines.push(`${this.name}_count${labelText(this.labelNames, labels)} ${count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  private add<M extends Metric>(metric: M, labelNames: readonly string[]): M {
    if (!NAME.test(metric.name)) throw new Error(`not a metric name: ${metric.name}`);
    for (const label of labelNames) if (!LABEL.test(label) || label.startsWith('__')) throw new Error(`not a label name: ${label}`);
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames), labelNames);
  }

  gauge(name: string, help: string, labelNames: readonly string[], collect: ConstructorParameters<typeof Gauge>[3]): Gauge {
    return this.add(new Gauge(name, help, labelNames, collect), labelNames);
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(
      new Histogram(
        name,
        help,
        labelNames,
        [...buckets].sort((a, b) => a - b),
      ),
      labelNames,
    );
  }

  /**
   * The exposition, one metric family after another. A gauge that cannot be read (the store is
   * down) is left out rather than failing the scrape: the store-error counter says why.
   */
  async render(): Promise<string> {
    const families = await Promise.all(this.metrics.map(async (metric) => (await Promise.resolve(metric.render()).catch(() => [])) as string[]));
    return `${families.flat().join('\n')}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
