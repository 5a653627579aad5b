import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { introspectionFromSchema } from 'graphql';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load.js';
import { issueToken } from '../identity/tokens.js';
import { silentLogger } from '../server/log.js';
import { startAirlock } from '../server/start.js';
import { ProxyAgent, fetch as undiciFetch } from 'undici';
import { loadOrCreateCa } from '../doors/egress/index.js';
import { loadSecretKey } from '../identity/secret-box.js';
import { DEMO, RAILWAY_RESOLVERS, railwaySchema, startRailwayStandIn, type RailwayStandIn } from './railway-standin.js';

/**
 * The incident replay: the call that deleted a production database and its backups in nine
 * seconds, sent at a stand-in for the cloud API built from its real schema — once with the raw
 * token an agent found in a file, once through Airlock with an Airlock token, and once with the
 * raw token again, at the API's real host name, from a sandbox whose only way out is Airlock's
 * egress proxy.
 *
 * @example
 * // npm run demo, or: airlock demo incident
 * const { held, intact } = await runIncidentDemo({ write: (line) => process.stdout.write(line) });
 */
export interface IncidentDemoResult {
  /** Whether, without Airlock, the production volume was wiped. */
  readonly deletedWithoutAirlock: boolean;
  /** Whether, through Airlock, the call was held for a human. */
  readonly held: boolean;
  /** Whether, through Airlock, the production volume still had its data and backups. */
  readonly intact: boolean;
  readonly holdId: string | undefined;
  /** Whether the real token, sent to the real host name through the egress proxy, was refused. */
  readonly refusedRealToken: boolean;
}

const VOLUME = DEMO.volumes.productionDb;
const RAILWAY_HOST = 'backboard.railway.app';
const INCIDENT_QUERY = `mutation { volumeDelete(volumeId: "${VOLUME}") }`;

export async function runIncidentDemo(out: { write(text: string): void }): Promise<IncidentDemoResult> {
  const say = (text = '') => out.write(`${text}\n`);
  const realToken = `rw_${randomBytes(12).toString('hex')}`;

  say('The incident');
  say('  An agent working on staging hit a credential mismatch, found a cloud API token in an');
  say('  unrelated file, assumed it was scoped to staging, and sent one GraphQL call:');
  say(`    ${INCIDENT_QUERY}`);
  say('  The volume held the production database and the backups kept beside it.');
  say('  Below, that call runs against a stand-in for the API, built from its real schema.');
  say();

  // Act one: the raw token, straight at the API.
  const bare = await startRailwayStandIn({ token: realToken });
  let deletedWithoutAirlock: boolean;
  try {
    say('1. Without Airlock: the agent sends the call with the token it found');
    say(`   before: ${describeVolume(bare)}`);
    const answer = await postGraphQL(bare.url, realToken, { query: INCIDENT_QUERY });
    say(`   API answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    say(`   after:  ${describeVolume(bare)}`);
    deletedWithoutAirlock = bare.volume(VOLUME) === undefined;
  } finally {
    await bare.close();
  }
  say();

  // Act two: the token lives in Airlock; the agent holds an Airlock token scoped to staging.
  const railway = await startRailwayStandIn({ token: realToken });
  const dir = mkdtempSync(join(tmpdir(), 'airlock-demo-'));
  const variable = `AIRLOCK_DEMO_RAILWAY_TOKEN_${randomBytes(3).toString('hex').toUpperCase()}`;
  process.env[variable] = realToken;
  try {
    const schemaFile = join(dir, 'railway-schema.json');
    writeFileSync(schemaFile, JSON.stringify({ data: introspectionFromSchema(railwaySchema()) }));
    const configFile = join(dir, 'airlock.yaml');
    writeFileSync(configFile, stringify(demoConfig(railway.url, variable, schemaFile)));
    const airlock = await startAirlock(loadConfig(configFile), { log: silentLogger, watchPolicies: false });
    try {
      const { store, clock } = airlock.runtime;
      await store.agents.add({ name: 'coding-agent', description: 'works on staging' }, clock().toISOString());
      const { token } = await issueToken(store, { agent: 'coding-agent', scopes: ['write:staging', 'read:*'], ttlMs: 3_600_000 }, clock());
      const endpoint = `${airlock.url}/u/railway`;

      say('2. With Airlock: the real token is only in Airlock; the agent has an Airlock token');
      say("   (scopes write:staging, read:*) and Airlock's address instead");
      say(`   endpoint: ${endpoint}`);
      say();
      const work = await postGraphQL(endpoint, token, {
        query: `mutation { serviceInstanceRedeploy(serviceId: "${DEMO.services.api}", environmentId: "${DEMO.environments.staging}") }`,
      });
      say(`   staging work goes through: serviceInstanceRedeploy on staging → ${work.status} ${JSON.stringify(work.json)}`);
      say();
      say('   the incident call, through Airlock:');
      const answer = await postGraphQL(endpoint, token, { query: INCIDENT_QUERY });
      const error = (answer.json as { errors?: { message: string; extensions: Record<string, unknown> }[] }).errors?.[0];
      const holdId = typeof error?.extensions.holdId === 'string' ? error.extensions.holdId : undefined;
      say(`   Airlock answered ${answer.status} ${String(error?.extensions.code ?? '')}`);
      if (error) {
        say(`   message:     ${error.message}`);
        say(`   instruction: ${String(error.extensions.instruction)}`);
      }
      say(`   the volume:  ${describeVolume(railway)}`);
      say(`   the API received ${railway.received.filter((r) => r.body.includes('volumeDelete')).length} volumeDelete calls`);
      say();

      const [record] = await store.audit.list({ verdict: 'hold', newestFirst: true, limit: 1 });
      if (record) {
        say('   the audit record (hash-chained, written before anything could run):');
        say(`     #${record.seq} ${record.at}  agent ${record.agent}  ${record.action} [${record.class}] in ${record.environment}`);
        say(`     verdict ${record.verdict?.toUpperCase()} ${record.holdId ?? ''}`);
        for (const reason of record.reasons ?? []) say(`     why: ${reason}`);
        say(`     policies: ${(record.policies ?? []).join(', ')}`);
        say(`     hash ${record.hash.slice(0, 16)}…  (previous ${record.prev.slice(0, 16)}…)`);
      }
      say();
      say('   How Airlock knew the volume was production: the volume id is looked up in the API itself');
      say('   (a resolver query with the real token), not taken from the agent. What it cannot place is production.');
      say();
      // Act three: the agent, sandboxed behind the egress proxy, tries the raw token on the real host.
      const ca = await loadOrCreateCa(airlock.runtime.config.dataDir, loadSecretKey(airlock.runtime.config.dataDir));
      const proxy = new ProxyAgent({
        uri: `http://${airlock.addresses.egress}`,
        token: `Basic ${Buffer.from(`coding-agent:${token}`).toString('base64')}`,
        requestTls: { ca: ca.certificatePem },
      });
      let refusedRealToken = false;
      try {
        say(`3. The sandbox's only way out is Airlock's egress proxy (HTTPS_PROXY=http://${airlock.addresses.egress});`);
        say(`   the agent sends the call with the token it found, to the API's real host, ${RAILWAY_HOST}:`);
        const before = railway.received.length;
        const direct = await undiciFetch(`https://${RAILWAY_HOST}/graphql/v2`, {
          method: 'POST',
          dispatcher: proxy,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${realToken}` },
          body: JSON.stringify({ query: INCIDENT_QUERY }),
        });
        const refusal = (await direct.json()) as { errors?: { message: string }[] };
        say(`   Airlock answered ${direct.status}: ${refusal.errors?.[0]?.message ?? JSON.stringify(refusal)}`);
        say(`   the volume:  ${describeVolume(railway)}`);
        say(`   the API received ${railway.received.length - before} requests from it`);
        const [tripwire] = await store.audit.list({ verdict: 'deny', newestFirst: true, limit: 1 });
        if (tripwire) say(`   the audit record: #${tripwire.seq} agent ${tripwire.agent}  ${tripwire.action} → DENY (${(tripwire.policies ?? []).join(', ')})`);
        refusedRealToken = direct.status === 403 && railway.received.length === before;
      } finally {
        await proxy.close();
      }
      say();
      say('What next, in a running Airlock');
      say(`  An operator reviews the hold:  airlock hold show ${holdId ?? '<hold id>'}`);
      say(`  and approves it with 2FA:     airlock hold approve ${holdId ?? '<hold id>'} --as <you> --code <6 digits>`);
      say('  Only then may the agent send exactly the same request again, with the header');
      say(`  "Airlock-Hold: ${holdId ?? '<hold id>'}"; it runs once. Put your own agent behind Airlock: docs/http-door.md`);

      const volume = railway.volume(VOLUME);
      return {
        deletedWithoutAirlock,
        held: error?.extensions.code === 'AIRLOCK_HELD',
        intact: volume?.instances.every((i) => i.files.size > 0 && i.backups.length > 0) ?? false,
        holdId,
        refusedRealToken,
      };
    } finally {
      await airlock.close();
    }
  } finally {
    await railway.close();
    delete process.env[variable];
    rmSync(dir, { recursive: true, force: true });
  }
}

function describeVolume(api: RailwayStandIn): string {
  const volume = api.volume(VOLUME);
  if (!volume) return 'volume postgres-data (production): GONE, with every file and backup on it';
  const [instance] = volume.instances;
  const rows = instance?.files.get('/var/lib/postgresql/data/base/customers')?.split(' ')[0] ?? '0';
  return `volume postgres-data (production): ${instance?.files.size ?? 0} files, ${rows} customer rows, ${instance?.backups.length ?? 0} backups`;
}

async function postGraphQL(url: string, token: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as unknown };
}

/** The config an operator would write for Railway (see docs/http-door.md), pointed at the stand-in. */
function demoConfig(url: string, variable: string, schemaFile: string) {
  return {
    listen: { http: '127.0.0.1:0', egress: '127.0.0.1:0' },
    dataDir: 'data',
    // The demo's agent is brand new, so Airlock's anomaly signals would hold its first
    // destructive call on their own; quiet here, so that the account shows the rule that matters.
    baseline: { ignore: ['first-destructive', 'first-environment', 'first-upstream'] },
    upstreams: [
      {
        name: 'railway',
        kind: 'graphql',
        url,
        hosts: [RAILWAY_HOST],
        credential: { bearer: { env: variable } },
        schema: schemaFile,
        resolve: { ttl: '5m', resources: RAILWAY_RESOLVERS },
      },
    ],
  };
}
