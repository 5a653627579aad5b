import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { canonicalJson } from '../../audit/canonical.js';
import type { StoredRecord } from '../../audit/chain.js';
import { readCheckpoint, type CheckpointRead } from '../../audit/checkpoint.js';
import { checkpointDatabaseOf } from '../../audit/checkpoint-database.js';
import { verifyAudit } from '../../audit/verify.js';
import type { AuditRecord } from '../../store/records.js';
import { configOf, withAdmin, withRuntime } from '../context.js';
import { CliError, printJson } from '../output.js';

/** One line per record, as an operator scans them. */
export function formatAuditLine(record: AuditRecord): string {
  const who = record.agent ?? record.operator ?? '-';
  const what = record.action
    ? `${record.action}${record.class ? ` [${record.class}]` : ''}${record.environment ? ` ${record.environment}` : ''}${record.upstream ? ` on ${record.upstream}` : ''}`
    : '';
  const verdict = record.verdict ? ` → ${record.verdict.toUpperCase()}${record.holdId ? ` ${record.holdId}` : ''}` : record.holdId ? ` ${record.holdId}` : '';
  const why = record.reasons?.length ? `  (${record.reasons[0]})` : '';
  return `${String(record.seq).padStart(6)}  ${record.at}  ${record.type.padEnd(14)} ${who}  ${what}${verdict}${why}`;
}

async function* jsonlRows(file: string): AsyncGenerator<StoredRecord> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      throw new CliError(`${file}:${n}: not a JSON record`);
    }
    const { hash, ...body } = record;
    yield { seq: record.seq, body: canonicalJson(body), hash };
  }
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident record of every decision and operator action');
  audit
    .command('tail')
    .description('print the newest records; -f keeps following')
    .option('-n, --lines <n>', 'how many', (v) => Number(v), 20)
    .option('-f, --follow', 'keep printing new records as they are written')
    .option('--agent <name>', 'only this agent')
    .option('--json', 'one JSON record per line')
    .action((options: { lines: number; follow?: boolean; agent?: string; json?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        const print = (record: AuditRecord) => process.stdout.write(`${options.json ? JSON.stringify(record) : formatAuditLine(record)}\n`);
        const filter = options.agent ? { agent: options.agent } : {};
        const newest = await admin.listAudit({ ...filter, newestFirst: true, limit: options.lines });
        newest.reverse().forEach(print);
        if (!options.follow) return;
        let after = newest.at(-1)?.seq ?? (await admin.listAudit({ newestFirst: true, limit: 1 }))[0]?.seq ?? 0;
        // Polls the store, so it follows records written by any process or replica.
        await new Promise<void>((resolve) => {
          const timer = setInterval(async () => {
            const fresh = await admin.listAudit({ ...filter, afterSeq: after, limit: 1000 });
            fresh.forEach(print);
            after = fresh.at(-1)?.seq ?? after;
          }, 250);
          process.once('SIGINT', () => {
            clearInterval(timer);
            resolve();
          });
        });
      }),
    );
  audit
    .command('verify')
    .description('check the hash chain and the checkpoint; names the first record edited, removed or reordered')
    .option('--file <export.jsonl>', 'verify an exported log instead of the store')
    .option('--head <path>', 'the checkpoint to compare with (default: audit.head of the config)')
    .option('--json', 'print JSON')
    .action(async (options: { file?: string; head?: string; json?: boolean }, command: Command) => {
      const key = process.env.AIRLOCK_AUDIT_KEY || undefined;
      /** Each checkpoint the log must still reach: the head file, and the checkpoint database when the config names one. */
      const run = async (source: AsyncIterable<StoredRecord>, checkpoints: readonly { name: string; read: CheckpointRead }[]) => {
        const rows: StoredRecord[] = [];
        for await (const row of source) rows.push(row);
        const reports = await Promise.all(checkpoints.map(async ({ name, read }) => ({ name, read, report: await verifyAudit(rows, read) })));
        // A chain problem is the same against every checkpoint; a truncation may be seen by one only.
        const failed = reports.find((r) => !r.report.ok);
        const shown = failed ?? reports[0]!;
        const { report } = shown;
        if (options.json) printJson(checkpoints.length > 1 ? { ...report, checkpoints: reports.map((r) => ({ checkpoint: r.name, ...r.report })) } : report);
        else if (report.ok) {
          const matched = reports
            .filter((r) => r.read.kind === 'ok')
            .map((r) => `${r.name} at record ${(r.read as { checkpoint: { seq: number } }).checkpoint.seq} matches`);
          process.stdout.write(
            `ok: ${report.count} records, chain intact${report.head ? ` up to record ${report.head.seq} (${report.head.hash.slice(0, 16)}…)` : ''}` +
              `${matched.length > 0 ? `, ${matched.join(', ')}` : ''}\n`,
          );
          const named = (name: string) => (reports.length > 1 ? `${name}: ` : '');
          for (const r of reports) if (r.report.warning) process.stderr.write(`warning: ${named(r.name)}${r.report.warning}\n`);
        } else {
          process.stdout.write(
            `TAMPERED: record ${report.problem!.seq} — ${report.problem!.kind}: ${report.problem!.detail}${reports.length > 1 ? ` (${shown.name})` : ''}\n`,
          );
        }
        if (!report.ok) throw new CliError('', 1);
      };
      const headFile = (path: string | undefined) => ({
        name: 'checkpoint',
        read: path ? readCheckpoint(path, key) : ({ kind: 'missing' } as const),
      });
      if (options.file) return run(jsonlRows(options.file), [headFile(options.head)]);
      const config = configOf(command);
      await withRuntime(command, async (runtime) => {
        const checkpoints = [headFile(options.head ?? config.auditHeadPath)];
        const database = checkpointDatabaseOf(config);
        if (database) {
          try {
            checkpoints.push({ name: `checkpoint database ${database.location}`, read: await database.read() });
          } finally {
            await database.close();
          }
        }
        await run(runtime.store.audit.rows(), checkpoints);
      });
    });
  audit
    .command('export')
    .description('write every record, with its hash, for offline verification and archiving')
    .option('--format <format>', 'jsonl (one canonical JSON record per line)', 'jsonl')
    .option('-o, --output <file>', 'write here instead of stdout')
    .action((options: { format: string; output?: string }, command: Command) =>
      withRuntime(command, async (runtime) => {
        if (options.format !== 'jsonl') throw new CliError(`--format ${options.format}: only jsonl is supported`, 2);
        const out: NodeJS.WritableStream = options.output ? createWriteStream(options.output) : process.stdout;
        let count = 0;
        for await (const row of runtime.store.audit.rows()) {
          const body = JSON.parse(row.body) as object;
          if (!out.write(`${canonicalJson({ ...body, hash: row.hash })}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
          count++;
        }
        if (options.output) {
          await new Promise<void>((resolve) => out.end(() => resolve()));
          process.stderr.write(`exported ${count} records to ${options.output}\n`);
        }
      }),
    );
}
