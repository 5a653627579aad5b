/**
 * Credentials in the formats secret scanners know, made fresh for each run so that no file of
 * the project holds one (and `airlock scan` of the project itself stays clean).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function random(length: number, alphabet = ALNUM): string {
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

export interface Planted {
  /** The text to write in a file. */
  readonly line: string;
  /** The kind `airlock scan` reports for it. */
  readonly kind: string;
}

export function plantedFormats(): Record<string, Planted> {
  const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    aws: { line: `aws_secret_access_key = "${random(40)}"`, kind: 'AWS credential' },
    github: { line: `GH_TOKEN=ghp_${random(36)}`, kind: 'GitHub token' },
    githubFineGrained: { line: `token: github_pat_${random(22)}_${random(59)}`, kind: 'GitHub token' },
    slack: { line: `SLACK_BOT_TOKEN=xoxb-${random(11, '0123456789')}-${random(13, '0123456789')}-${random(24)}`, kind: 'Slack token' },
    npm: { line: `//registry.npmjs.org/:_authToken=npm_${random(36)}`, kind: 'npm token' },
    sendgrid: { line: `SENDGRID_API_KEY=SG.${random(22)}.${random(43)}`, kind: 'SendGrid API key' },
    openai: { line: `OPENAI_API_KEY=sk-proj-${random(74)}T3BlbkFJ${random(74)}`, kind: 'OpenAI API key' },
    anthropic: { line: `ANTHROPIC_API_KEY=sk-ant-api03-${random(93)}AA`, kind: 'Anthropic API key' },
    linear: { line: `LINEAR_KEY=lin_api_${random(40)}`, kind: 'Linear API key' },
    shopify: { line: `SHOPIFY=shpat_${random(32, '0123456789abcdef')}`, kind: 'Shopify token' },
    privateKey: { line: pem, kind: 'private key' },
    postgres: { line: `DATABASE_URL=postgres://app:${random(16)}@db.example.com:5432/app`, kind: 'database connection string with a password' },
    basicAuth: { line: `git remote add origin https://deploy:${random(16)}@git.example.com/repo.git`, kind: 'password in a URL' },
  };
}
