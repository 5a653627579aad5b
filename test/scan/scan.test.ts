import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/identity/token-format.js';
import { scanWorkspace } from '../../src/scan/index.js';
import { ROOT } from '../support/airlock.js';
import { plantedFormats, random } from './planted.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-scan-'));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const RAILWAY = `${random(8, 'abcdef0123456789')}-${random(4, 'abcdef0123456789')}-4${random(3, 'abcdef0123456789')}-a${random(3, 'abcdef0123456789')}-${random(12, 'abcdef0123456789')}`;
const PG_PASSWORD = `pg-${random(20)}`;
const secrets = [
  { label: 'upstream railway', value: RAILWAY },
  { label: 'upstream app', value: PG_PASSWORD },
];

describe('scanWorkspace', () => {
  it('finds each configured secret, in .env files and in an unrelated file, by file and line, without printing it', async () => {
    const dir = workspace({
      '.env.production': `NODE_ENV=production\nRAILWAY_TOKEN=${RAILWAY}\n`,
      'docs/meeting-notes.md': `# Sync\n\n- staging is broken again\n- Ana left the old token here for now: ${RAILWAY} (staging only?)\n`,
      'config/db.yaml': `database:\n  host: db.internal\n  password: "${PG_PASSWORD}"\n`,
      'src/index.ts': 'export const answer = 42;\n',
    });
    const report = await scanWorkspace({ dir, secrets, home: false });
    // Each secret once, with every place it appears.
    expect(report.findings.map((f) => [f.kind, f.shown, f.places.map((p) => `${p.file}:${p.line}:${p.column}`).sort()]).sort()).toEqual([
      ['the credential Airlock holds for upstream app', '(23 characters)', ['config/db.yaml:3:14']],
      ['the credential Airlock holds for upstream railway', '(36 characters)', ['.env.production:2:15', 'docs/meeting-notes.md:4:40']],
    ]);
    expect(report.findings.flatMap((f) => f.places).find((p) => p.file === '.env.production')?.preview).toBe('RAILWAY_TOKEN=********');
    expect(JSON.stringify(report)).not.toContain(RAILWAY);
    expect(JSON.stringify(report)).not.toContain(PG_PASSWORD);
    expect(report.files).toBe(4);
  });

  it('finds at least ten common credential formats, each masked in its preview', async () => {
    const formats = plantedFormats();
    const files = Object.fromEntries(Object.entries(formats).map(([name, planted]) => [`notes/${name}.txt`, `some text before\n${planted.line}\n`]));
    const report = await scanWorkspace({ dir: workspace(files), secrets: [], home: false });
    for (const [name, planted] of Object.entries(formats)) {
      const finding = report.findings.find((f) => f.places.some((p) => p.file === `notes/${name}.txt`));
      expect(finding, name).toMatchObject({ kind: planted.kind, places: [{ line: 2 }] });
    }
    expect(Object.keys(formats).length).toBeGreaterThanOrEqual(10);
    for (const finding of report.findings) for (const place of finding.places) expect(place.preview).toContain('********');
  });

  it('reads shell histories in the home folder', async () => {
    const home = workspace({
      '.bash_history': `ls\ncurl -H "Authorization: Bearer ${RAILWAY}" https://backboard.railway.app/graphql/v2\n`,
      '.zsh_history': ': 1700000000:0;git status\n',
    });
    const report = await scanWorkspace({ dir: workspace({ 'README.md': 'hello\n' }), secrets, home });
    expect(report.findings.flatMap((f) => f.places.map((p) => `${p.file}:${p.line}`))).toEqual(['~/.bash_history:2']);
    expect(report.histories).toEqual(['~/.bash_history', '~/.zsh_history']);
  });

  it('does not report an Airlock token', async () => {
    const token = generateToken().token;
    const report = await scanWorkspace({
      dir: workspace({ '.env': `AIRLOCK_TOKEN=${token}\n`, 'run.sh': `curl -H "Authorization: Bearer ${token}" http://127.0.0.1:4100/u/railway/\n` }),
      secrets,
      home: false,
    });
    expect(report.findings).toEqual([]);
  });

  it("reports nothing in the project's own fixtures and sources", async () => {
    for (const dir of ['test/fixtures', 'src/classify/shell/fixtures', 'examples']) {
      const report = await scanWorkspace({ dir: join(ROOT, dir), secrets: [], home: false });
      expect(report.findings, dir).toEqual([]);
    }
  });

  it('finds a secret that is gone from the files but still in the git history, only when asked', async () => {
    const dir = workspace({ 'deploy.sh': `export RAILWAY_TOKEN=${RAILWAY}\nrailway up\n` });
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { stdio: 'pipe' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'deploy script');
    writeFileSync(join(dir, 'deploy.sh'), 'railway up\n');
    git('commit', '-qam', 'remove the token');
    expect((await scanWorkspace({ dir, secrets, home: false })).findings).toEqual([]);
    const report = await scanWorkspace({ dir, secrets, home: false, gitHistory: true });
    expect(report.findings).toMatchObject([
      {
        kind: 'the credential Airlock holds for upstream railway',
        places: [{ file: 'deploy.sh', line: 1, commit: expect.stringMatching(/^[0-9a-f]{12}$/) }],
      },
    ]);
    expect(report.commits).toBe(2);
  });

  it('reads files .gitignore excludes unless told to respect it', async () => {
    const dir = workspace({ '.gitignore': 'secrets/\n', 'secrets/prod.env': `TOKEN=${RAILWAY}\n`, 'app.ts': 'x\n' });
    execFileSync('git', ['-C', dir, 'init', '-q']);
    expect((await scanWorkspace({ dir, secrets, home: false })).findings).toHaveLength(1);
    expect((await scanWorkspace({ dir, secrets, home: false, respectGitignore: true })).findings).toHaveLength(0);
  });

  it('finds a Railway token (a UUID) by the name it lives under, with no config naming it', async () => {
    const dir = workspace({
      'deploy/.env': `NODE_ENV=production\nRAILWAY_TOKEN=${RAILWAY}\n`,
      'scripts/ci.yml': `env:\n  STRIPE_API_KEY: "sk9${random(24)}"\n`,
      'ops/notes.sh': `RAILWAY_TOKEN=${RAILWAY} railway up\n`,
      'home/credentials': `[default]\nsession = ${random(30)}\n`,
    });
    const report = await scanWorkspace({ dir, secrets: [], home: false });
    expect(report.findings.map((f) => [f.kind, f.places.map((p) => p.file).sort()]).sort()).toEqual([
      ['credential named RAILWAY_TOKEN', ['deploy/.env', 'ops/notes.sh']],
      ['credential named STRIPE_API_KEY', ['scripts/ci.yml']],
      ['credential named session', ['home/credentials']],
    ]);
    expect(report.findings.find((f) => f.kind === 'credential named RAILWAY_TOKEN')!.shown).toBe(`${RAILWAY.slice(0, 4)}… (36 characters)`);
    expect(JSON.stringify(report)).not.toContain(RAILWAY.slice(4, 12));
  });

  it('never shows more than the first four characters of a credential (an AWS secret of 40 included)', async () => {
    const secret = random(40);
    const dir = workspace({ '.aws/config': `aws_secret_access_key = "${secret}"\n`, 'env.sh': `export AWS_SECRET_ACCESS_KEY=${secret}\n` });
    const report = await scanWorkspace({ dir, secrets: [], home: false });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ kind: 'AWS credential', shown: `${secret.slice(0, 4)}… (40 characters)` });
    expect(report.findings[0]!.places).toHaveLength(2);
    const text = JSON.stringify(report);
    for (let i = 4; i + 6 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 6));
  });

  it('skips placeholders, references, build output, dependencies and Airlock’s own state', async () => {
    const real = `ghp_${random(36)}`;
    const pem = plantedFormats().privateKey.line;
    const dir = workspace({
      'README.md': [
        'postgres://coding-agent:alk_…@127.0.0.1:6543/app',
        'RAILWAY_TOKEN=xxxxxxxxxxxxxxxx',
        'OPENAI_API_KEY=<your key>',
        'DB_PASSWORD=changeme',
        'API_TOKEN=…',
        'credential: { bearer: { env: RAILWAY_TOKEN } }',
        `password: "$\{PG_PASSWORD}"`,
        'AIRLOCK_TOKEN=alk_...',
        '',
      ].join('\n'),
      'dist/app.js': `const token = "${real}";\n`,
      'build/out.txt': `${real}\n`,
      'node_modules/pkg/index.js': `${real}\n`,
      '.airlock/tls/key.pem': pem,
      'state/airlock.db.txt': `${real}\n`,
    });
    const report = await scanWorkspace({ dir, secrets: [], home: false, exclude: [join(dir, 'state')] });
    expect(report.findings).toEqual([]);
  });
});
