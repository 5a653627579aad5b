import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readCheckpoint } from '../../audit/checkpoint.js';
import { MigrationError, migrateSqliteToPostgres } from '../../store/migrate.js';
import { displayUrl } from '../../store/postgres/index.js';
import { CliError, printJson, printTable } from '../output.js';

/** `sqlite:PATH` (or a bare path). */
export function parseSqliteSource(text: string): string {
  const path = text.startsWith('sqlite:') ? text.slice('sqlite:'.length) : text;
  if (!path) throw new CliError('--from: name the SQLite file, e.g. --from sqlite:/var/lib/airlock/airlock.db', 2);
  return resolve(path);
}

/** `postgres:postgres://…`, `postgres://…` or `postgresql://…`. */
export function parsePostgresTarget(text: string): string {
  const url = text.startsWith('postgres:postgres') || text.startsWith('postgres:postgresql') ? text.slice('postgres:'.length) : text;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new CliError('--to: give a PostgreSQL URL, e.g. --to postgres://airlock@db.internal:5432/airlock', 2);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError('--to: not a URL PostgreSQL understands', 2);
  }
  // A command line is visible to every user of the host: the password comes from PGPASSWORD or ~/.pgpass.
  if (parsed.password) throw new CliError('--to: leave the password out of the URL; set PGPASSWORD (or use ~/.pgpass) instead', 2);
  return url;
}

export function registerStore(program: Command): void {
  const store = program.command('store').description('where Airlock keeps its state');
  store
    .command('migrate')
    .description('copy every table of a SQLite store into an empty PostgreSQL database, audit chain intact, and verify it')
    .requiredOption('--from <sqlite:PATH>', 'the SQLite store (stop every Airlock using it first)')
    .requiredOption('--to <postgres:URL>', 'an empty PostgreSQL database; the password from PGPASSWORD, never the command line')
    .option('--head <path>', 'the audit checkpoint to verify the copy against (default: audit.head beside the SQLite file)')
    .option('--progress <rows>', 'report progress on stderr every this many audit records', (v) => Number(v), 10_000)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nThe copy is one transaction on PostgreSQL, verified (airlock audit verify) before it commits:\n' +
        'when anything fails, the database is left as empty as it was. See docs/deployment.md,\n' +
        '"Moving a running installation over".\n\n' +
        'Example:\n  airlock store migrate --from sqlite:/var/lib/airlock/airlock.db --to postgres://airlock@db.internal/airlock\n',
    )
    .action(async (options: { from: string; to: string; head?: string; progress: number; json?: boolean }) => {
      const sqlitePath = parseSqliteSource(options.from);
      const url = parsePostgresTarget(options.to);
      if (!Number.isInteger(options.progress) || options.progress < 1) throw new CliError('--progress: a whole number of records, e.g. 10000', 2);
      const headPath = options.head ? resolve(options.head) : join(dirname(sqlitePath), 'audit.head');
      const checkpoint = readCheckpoint(headPath, process.env.AIRLOCK_AUDIT_KEY || undefined);
      const started = Date.now();
      let report: Awaited<ReturnType<typeof migrateSqliteToPostgres>>;
      try {
        report = await migrateSqliteToPostgres({
          sqlitePath,
          postgres: { url },
          checkpoint,
          progressEvery: options.progress,
          onProgress: (copied, total) => process.stderr.write(`audit: ${copied} of ${total} records copied\n`),
        });
      } catch (error) {
        if (error instanceof MigrationError) throw new CliError(`store migrate: ${error.message}`);
        // The driver's messages name the host and the cause, never the password.
        throw new CliError(`store migrate: ${(error as Error).message}; nothing was written to ${displayUrl(url)}`);
      }
      const { tables, verify } = report;
      if (options.json) return printJson({ from: sqlitePath, to: displayUrl(url), tables, verify });
      printTable(tables, ['table', 'rows']);
      process.stdout.write(
        `\ncopied ${sqlitePath} to ${displayUrl(url)} in ${((Date.now() - started) / 1000).toFixed(1)}s\n` +
          `audit verify: ok, ${verify.count} records, chain intact${verify.head ? ` up to record ${verify.head.seq} (${verify.head.hash.slice(0, 16)}…)` : ''}` +
          `${checkpoint.kind === 'ok' ? `, checkpoint at record ${checkpoint.checkpoint.seq} matches` : ''}\n` +
          'Point every Airlock at it with  store: { postgres: ... }  and start them.\n',
      );
      if (verify.warning) process.stderr.write(`warning: ${verify.warning}\n`);
    });
}
