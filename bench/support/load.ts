import { cpus, loadavg } from 'node:os';

/** The machine's load, printed with every run: on a shared machine it explains a lot. */
export function machineLoad(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores`;
}
