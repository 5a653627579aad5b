import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../config/load.js';
import type { ScanReport } from '../../scan/index.js';
import { configOf } from '../context.js';
import { CliError, printJson } from '../output.js';

interface ScanCommandOptions {
  json?: boolean;
  gitHistory?: boolean;
  respectGitignore?: boolean;
  shellHistory?: boolean;
}

/**
 * `airlock scan [DIR]`: finds raw credentials an agent could pick up and use to go around
 * Airlock. Exits 1 when it finds any, 0 when it finds none, 2 when it cannot scan.
 */
export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('find raw credentials in a workspace that would let an agent bypass Airlock')
    .argument('[dir]', 'the folder to scan', '.')
    .option('--json', 'print the findings as JSON')
    .option('--git-history', 'also read every line ever added in the git history')
    .option('--respect-gitignore', 'skip files that .gitignore excludes (by default they are read: that is where credentials hide)')
    .option('--no-shell-history', 'do not read the shell histories in the home directory')
    .addHelpText(
      'after',
      '\nFinds the secrets configured in Airlock (exact matches, never printed), credentials of known\n' +
        'formats (AWS, GCP, GitHub, Slack, npm, OpenAI, Anthropic, private keys, passwords in URLs, …), and\n' +
        "values under a credential's name (RAILWAY_TOKEN=…, *_API_KEY=…, lines of .env and credentials files).\n" +
        'Each is reported once with every place it appears, by its first 4 characters and length at most.\n' +
        'Exit status: 0 nothing found, 1 credentials found, 2 could not scan.\n\n' +
        'Examples:\n  airlock scan\n  airlock scan ~/src/app --git-history --json\n',
    )
    .action(async (dir: string, options: ScanCommandOptions, command: Command) => {
      const root = resolve(dir);
      if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliError(`${dir} is not a folder`, 2);
      // Loaded here, not at start-up: the rule set is only needed by this command.
      const { scanWorkspace } = await import('../../scan/index.js');
      const { knownSecretsOf } = await import('../../scan/secrets.js');
      const notes: string[] = [];
      let secrets: ReturnType<typeof knownSecretsOf>['secrets'] = [];
      const exclude: string[] = [];
      try {
        const config = configOf(command);
        // Airlock's own state (its generated TLS key, its sealed secrets) is not a workspace's leak.
        exclude.push(config.dataDir, config.storePath, config.auditHeadPath);
        const known = knownSecretsOf(config);
        secrets = known.secrets;
        if (known.unresolved.length > 0) notes.push(`not checked for (cannot be read here): ${known.unresolved.join(', ')}`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        notes.push('no Airlock config found: checking for known credential formats only');
      }
      const report = await scanWorkspace({
        dir: root,
        secrets,
        gitHistory: options.gitHistory ?? false,
        respectGitignore: options.respectGitignore ?? false,
        exclude,
        ...(options.shellHistory === false ? { home: false as const } : {}),
      });
      if (options.json) printJson({ ...report, configuredSecrets: secrets.length, notes });
      else printReport(report, secrets.length, notes);
      process.exitCode = report.findings.length > 0 ? 1 : 0;
    });
}

function printReport(report: ScanReport, configured: number, notes: readonly string[]): void {
  const out = process.stdout;
  const where = [
    `${report.files} file${report.files === 1 ? '' : 's'}`,
    ...(report.histories.length > 0 ? [report.histories.join(', ')] : []),
    ...(report.commits !== undefined ? [`${report.commits} commits`] : []),
  ].join(', ');
  for (const note of notes) process.stderr.write(`airlock scan: ${note}\n`);
  if (report.findings.length === 0) {
    out.write(`No raw credentials found in ${report.dir} (${where}; ${configured} configured secret${configured === 1 ? '' : 's'} checked).\n`);
    return;
  }
  out.write(`${report.findings.length} raw credential${report.findings.length === 1 ? '' : 's'} found in ${report.dir} (${where}):\n`);
  for (const f of report.findings) {
    const places = f.places.length === 1 ? '' : `, in ${f.places.length} places`;
    out.write(`\n  ${f.kind}: ${f.shown}${places}\n`);
    for (const p of f.places) out.write(`    ${p.commit ? `${p.commit}:` : ''}${p.file}:${p.line}:${p.column}  ${p.preview}\n`);
  }
  out.write(
    '\nAn agent that finds one of these can use it to go around Airlock. Rotate each credential, remove it\n' +
      'from the file (and from history), keep real credentials only in Airlock, and give agents an Airlock token.\n',
  );
  if (report.skipped.length > 0) out.write(`\nNot read: ${report.skipped.map((s) => `${s.file} (${s.why})`).join(', ')}\n`);
}
