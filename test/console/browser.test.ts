/**
 * The console in a real browser (Debian's Chromium, driven by playwright-core): an operator
 * signs in with a TOTP code, sees an agent's held request appear live, approves it and sees the
 * agent's retry forwarded through the HTTP door to the Railway stand-in, pulls the emergency
 * stop, revokes a token, and the page logs no errors. Screenshots of each page go to
 * test-artifacts/console/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startRailwayStandIn, type RailwayStandIn } from '../../src/demo/railway-standin.js';
import { RAILWAY_RESOLVE, RAILWAY_SCHEMA } from '../doors/http/support.js';
import { ROOT } from '../support/airlock.js';
import { startConsoleAirlock, type ConsoleAirlock, type TestOperator } from './support.js';
import { CHROMIUM } from '../support/chromium.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const PROD_VOLUME = DEMO.volumes.productionDb;

/** The incident: an agent with a staging token deletes the production database's volume. */
const INCIDENT = { query: `mutation {\n  volumeDelete(volumeId: "${PROD_VOLUME}")\n}` };
const STAGING_DELETE = { query: `mutation {\n  volumeDelete(volumeId: "${DEMO.volumes.stagingDb}")\n}` };
const READ = { query: '{ projects { edges { node { name } } } }' };
const STAGING_WRITE = { query: `mutation { serviceInstanceRedeploy(serviceId: "${DEMO.services.api}", environmentId: "${DEMO.environments.staging}") }` };

let airlock: ConsoleAirlock;
let railway: RailwayStandIn;
const credentialVariable = `AIRLOCK_TEST_RAILWAY_${randomBytes(4).toString('hex').toUpperCase()}`;
let alice: TestOperator;
let agentToken: string;
/** Another agent's token, to see what any agent is told (reads only, so it never trips the circuit breaker). */
let probeToken: string;
let context: BrowserContext;
let page: Page;
let profile: string;
const problems: string[] = [];

/** What the agent's GraphQL client gets back from Airlock's HTTP door. */
interface Answer {
  readonly status: number;
  readonly data?: unknown;
  /** The refusal's extensions (code AIRLOCK_HELD or AIRLOCK_DENIED, holdId, reason). */
  readonly refusal?: { code: string; holdId?: string; reason?: string };
}

/** The agent's request, as its GraphQL client sends it, through the HTTP door. */
async function agentAsks(body: unknown, token = agentToken, holdId?: string): Promise<Answer> {
  const response = await fetch(`${airlock.url}/u/railway`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(holdId ? { 'airlock-hold': holdId } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { data?: unknown; errors?: { extensions?: Answer['refusal'] }[] };
  return {
    status: response.status,
    ...(json.data ? { data: json.data } : {}),
    ...(json.errors?.[0]?.extensions ? { refusal: json.errors[0].extensions } : {}),
  };
}

function shot(name: string) {
  return page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const railwayToken = `rw_${randomBytes(16).toString('hex')}`;
  process.env[credentialVariable] = railwayToken;
  railway = await startRailwayStandIn({ token: railwayToken });
  airlock = await startConsoleAirlock({
    config: {
      upstreams: [
        {
          name: 'railway',
          kind: 'graphql',
          url: railway.url,
          credential: { bearer: { env: credentialVariable } },
          schema: RAILWAY_SCHEMA,
          resolve: RAILWAY_RESOLVE,
        },
      ],
      // The console is under test, not the behaviour baseline: keep the reasons to the policy's.
      baseline: { ignore: ['first-destructive', 'first-environment', 'first-upstream', 'refusal-burst', 'rate-burst'], suspendOn: [] },
    },
  });
  alice = await airlock.operator('alice');
  // The incident agent's token: it may write in staging, nothing more.
  agentToken = await airlock.token('coding-agent', ['write:staging'], 30 * 86_400_000);
  await airlock.token('deploy-bot', ['read:*', 'write:staging'], 7 * 86_400_000);
  probeToken = await airlock.token('probe-bot', ['read:*'], 7 * 86_400_000);
  profile = mkdtempSync(join(tmpdir(), 'airlock-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
  page.on('requestfailed', (request) => {
    // Navigating away closes the event stream; that is not a failure of the page.
    if (!request.url().includes('/v1/admin/events')) problems.push(`request: ${request.url()} ${request.failure()?.errorText}`);
  });
});

afterAll(async () => {
  await context?.close();
  await airlock?.close();
  await railway?.close();
  delete process.env[credentialVariable];
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// Generous timeouts: a loaded CI machine runs Chromium beside other suites.
describe('the operators’ console in a browser', { timeout: 120_000 }, () => {
  it('signs an operator in with a password and a TOTP code', async () => {
    await page.goto(`${airlock.url}/holds`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.getByLabel('Operator').fill('alice');
    await page.getByLabel('Password').fill(alice.password);
    await page.getByLabel('Code').fill(alice.code());
    await shot('sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/holds');
    await page.locator('#live-status[data-state="live"]').waitFor();
    expect(await page.locator('.who .operator').textContent()).toBe('alice');
    expect(await page.getByRole('heading', { name: 'Pending holds' }).isVisible()).toBe(true);
  });

  it('shows a hold created by an agent’s request without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    const held = await agentAsks(INCIDENT);
    expect(held.status).toBe(403);
    expect(held.refusal?.code).toBe('AIRLOCK_HELD');
    const holdId = held.refusal!.holdId!;
    const card = page.locator(`article[data-hold-id="${holdId}"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    expect(await card.locator('h3').textContent()).toContain('graphql:volumeDelete');
    expect(await card.locator('.env-production').textContent()).toContain('production');
    expect(await card.locator('pre.summary').textContent()).toContain(`volumeDelete(volumeId: "${PROD_VOLUME}")`);
    expect(await card.locator('.agent').textContent()).toBe('coding-agent');
    expect(await card.locator('.why').textContent()).toContain('destructive operation in production');
    await page.locator('#pending-count:not([hidden])').waitFor();
    expect(await page.locator('#pending-count').textContent()).toBe('1');

    // A second one, in staging: the two environments must not look alike.
    const staging = await agentAsks(STAGING_DELETE);
    const second = page.locator(`article[data-hold-id="${staging.refusal!.holdId}"]`);
    await second.waitFor({ timeout: 30_000 });
    expect(await second.locator('.env-staging').textContent()).toBe('staging');
    expect(await second.locator('.env-production').count()).toBe(0);
    await page.locator('#pending-count', { hasText: '2' }).waitFor();
    await shot('holds');
  });

  it('approves the hold with a code, and the agent’s retried request is forwarded', async () => {
    const hold = (await airlock.airlock.runtime.store.holds.list({ status: ['pending'] })).find((h) => h.operation.environment === 'production');
    const card = page.locator(`article[data-hold-id="${hold!.id}"]`);
    expect((await agentAsks(INCIDENT)).refusal).toMatchObject({ code: 'AIRLOCK_HELD', holdId: hold!.id });
    expect(railway.volume(PROD_VOLUME)).toBeDefined();

    await card.getByLabel('Your code').fill(alice.code());
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator(`#holds-other a[href="/holds/${hold!.id}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator('#holds-other').textContent()).toContain('Approved, waiting to run');

    const retried = await agentAsks(INCIDENT);
    expect(retried).toMatchObject({ status: 200, data: { volumeDelete: true } });
    expect(railway.volume(PROD_VOLUME)).toBeUndefined();
    await page.locator('#holds-other .status-executed').waitFor({ timeout: 30_000 });
    const [approved] = await airlock.airlock.runtime.store.audit.list({ type: 'hold.approved', newestFirst: true, limit: 1 });
    expect(approved).toMatchObject({ operator: 'alice', holdId: hold!.id });

    await page.locator(`#holds-other a[href="/holds/${hold!.id}"]`).first().click();
    await page.waitForURL(`**/holds/${hold!.id}`);
    expect(await page.locator('h1').textContent()).toContain('executed');
    expect(await page.locator('.facts').textContent()).toContain('alice');
    const stored = await page.locator('pre.request').first().textContent();
    expect(stored).toContain('volumeDelete');
    expect(stored).not.toContain(agentToken);
    await shot('hold-detail');
    await page.goBack();
    await page.locator('#live-status[data-state="live"]').waitFor();
  });

  it('denies a hold with a code and a reason; the agent is told', async () => {
    const [hold] = await airlock.airlock.runtime.store.holds.list({ status: ['pending'] });
    const card = page.locator(`article[data-hold-id="${hold!.id}"]`);
    await card.getByLabel('Your code').fill(alice.code());
    await card.getByLabel('Reason').fill('not during the sale');
    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: 'Deny' }).click();
    await card.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('#pending-holds .empty').waitFor();
    // The agent quotes the hold, as the refusal told it to.
    const retried = await agentAsks(STAGING_DELETE, agentToken, hold!.id);
    expect(retried.refusal).toMatchObject({ code: 'AIRLOCK_DENIED', reason: 'hold_invalid' });
    expect(railway.volume(DEMO.volumes.stagingDb)).toBeDefined();
    const [denied] = await airlock.airlock.runtime.store.audit.list({ type: 'hold.denied', newestFirst: true, limit: 1 });
    expect(denied).toMatchObject({ operator: 'alice', holdId: hold!.id });
  });

  it('streams the audit log live, with filters', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.waitForURL('**/audit');
    await page.locator('#live-status[data-state="live"]').waitFor();
    expect(await agentAsks(STAGING_WRITE)).toMatchObject({ status: 200 });
    const row = page.locator('#audit-rows tr', { hasText: 'graphql:serviceInstanceRedeploy' });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('.verdict-allow').count()).toBe(1);
    await shot('audit');

    await page.getByLabel('Verdict').selectOption('hold');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL('**/audit?**verdict=hold**');
    const verdicts = await page.locator('#audit-rows .verdict').allTextContents();
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every((text) => text.startsWith('hold'))).toBe(true);
  });

  it('pulls the emergency stop for every agent, with confirmation and a code; the agent’s next request is refused', async () => {
    await page.goto(`${airlock.url}/holds`);
    await page.locator('#live-status[data-state="live"]').waitFor();
    await page.getByRole('button', { name: 'EMERGENCY STOP' }).click();
    const dialog = page.getByRole('dialog', { name: 'Emergency stop' });
    await dialog.waitFor();
    await dialog.getByLabel('Reason').fill('agent deleting production volumes');
    await dialog.getByLabel('Your authenticator code').fill('123456');
    await dialog.getByRole('button', { name: 'Stop agents now' }).click();
    // Not confirmed yet: the browser refuses to send the form.
    expect(await dialog.isVisible()).toBe(true);
    expect(await agentAsks(READ, probeToken)).toMatchObject({ status: 200 });

    await dialog.getByLabel('Your authenticator code').fill(alice.code());
    await shot('emergency-stop');
    await dialog.getByLabel('Yes, stop them now').check();
    await dialog.getByRole('button', { name: 'Stop agents now' }).click();
    await page.locator('.banner-stop').waitFor({ timeout: 30_000 });
    expect(await page.locator('.banner-stop').textContent()).toContain('ALL AGENTS STOPPED');
    expect((await agentAsks(READ, probeToken)).refusal).toMatchObject({ code: 'AIRLOCK_DENIED', reason: 'stopped' });
    await shot('stopped');

    await page.locator('.banner-stop').getByRole('button', { name: 'Resume all…' }).click();
    const resume = page.getByRole('dialog', { name: 'Lift the stop for all agents' });
    await resume.getByLabel('Your authenticator code').fill(alice.code());
    await resume.getByRole('button', { name: 'Resume all agents' }).click();
    await page.locator('.banner-stop').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await agentAsks(READ, probeToken)).toMatchObject({ status: 200 });
  });

  it('revokes a token; the agent holding it is refused at once', async () => {
    await page.getByRole('link', { name: 'Agents & tokens' }).click();
    await page.waitForURL('**/agents');
    const id = agentToken.slice(4, 16);
    const row = page.locator(`tr[data-token="${id}"]`);
    expect(await row.locator('.status-active').count()).toBe(1);
    await shot('agents');
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.locator(`tr[data-token="${id}"] .status-revoked`).waitFor({ timeout: 30_000 });
    expect((await agentAsks(READ)).refusal).toMatchObject({ code: 'AIRLOCK_DENIED', reason: 'unauthenticated' });
  });

  it('suspends an agent after asking for a code, and resumes it', async () => {
    const row = page.locator('tr[data-agent="deploy-bot"]');
    await row.getByRole('button', { name: 'Suspend' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm with a code' });
    await dialog.getByLabel('Code from your authenticator app').fill(alice.code());
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('tr[data-agent="deploy-bot"] .state-suspended').waitFor({ timeout: 30_000 });
    expect((await airlock.airlock.runtime.store.agents.get('deploy-bot'))?.state).toBe('suspended');
    await page.locator('tr[data-agent="deploy-bot"]').getByRole('button', { name: 'Resume' }).click();
    await dialog.getByLabel('Code from your authenticator app').fill(alice.code());
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('tr[data-agent="deploy-bot"] .state-active').waitFor({ timeout: 30_000 });
  });

  it('issues a token and shows it once', async () => {
    const form = page.getByRole('form', { name: 'Issue a token' });
    await form.getByLabel('Agent').selectOption('deploy-bot');
    await form.getByLabel('Scopes').fill('read:* write:staging');
    await form.getByLabel('Your authenticator code').fill(alice.code());
    await form.getByRole('button', { name: 'Issue token' }).click();
    const secret = page.locator('#secret-value');
    await secret.waitFor();
    const token = (await secret.textContent())!;
    expect(token).toMatch(/^alk_/);
    await page.getByRole('dialog', { name: 'Token for deploy-bot' }).getByRole('button', { name: 'Done' }).click();
    expect(await agentAsks(READ, token)).toMatchObject({ status: 200 });
  });

  it('shows freeze windows and operators', async () => {
    await page.getByRole('link', { name: 'Freeze' }).click();
    await page.waitForURL('**/freeze');
    await page.getByLabel('Reason (told to the agents)').fill('release in progress');
    await page.getByRole('button', { name: 'Freeze agents' }).click();
    await page.locator('.banner-freeze').waitFor({ timeout: 30_000 });
    const frozen = await agentAsks(STAGING_WRITE, await airlock.token('freeze-bot', ['write:staging']));
    expect(frozen.refusal).toMatchObject({ code: 'AIRLOCK_DENIED', reason: 'frozen' });
    await shot('freeze');
    await page.getByRole('link', { name: 'Operators' }).click();
    await page.waitForURL('**/operators');
    expect(await page.locator('#operators-live').textContent()).toContain('alice');
    await shot('operators');
  });

  it('logged no errors in the browser', () => {
    expect(problems).toEqual([]);
  });
});
