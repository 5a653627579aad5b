import { createHash } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { Pool } from 'undici';
import { awsServices, type AwsService } from '../../classify/aws/index.js';
import { resolveSecret, type Secret } from '../../config/secret.js';
import type { AwsUpstreamConfig } from '../../config/upstreams/index.js';
import type { Redactor } from '../../redact/index.js';
import type { HeaderMap } from '../http/headers.js';
import { encodeRfc3986 } from './sigv4.js';
import { withoutTrailing } from '../../core/text.js';

/** A request as Airlock sends it on: its own reading of the agent's, before it is signed. */
export interface AwsOutbound {
  readonly service: string;
  readonly region: string;
  readonly method: string;
  /** The path on the service, percent-encoded. */
  readonly path: string;
  readonly query: readonly (readonly [string, string])[];
  /** The agent's signed headers that are carried on (not its signature, date or host). */
  readonly headers: HeaderMap;
}

export interface AwsUpstream {
  readonly name: string;
  readonly config: AwsUpstreamConfig;
  /** Set when the credential cannot be read: nothing can be sent. */
  readonly credentialProblem: string | undefined;
  send(outbound: AwsOutbound, service: AwsService, body: Buffer): ReturnType<Pool['request']>;
  close(): Promise<void>;
}

/** AWS's own endpoint for a service in a region, unless the upstream names another. */
export function endpointOf(config: Pick<AwsUpstreamConfig, 'url' | 'endpoints'>, service: AwsService, region: string): URL {
  const configured = config.endpoints[service.name] ?? config.url;
  if (configured) return new URL(configured);
  if (service.globalEndpoint && service.name !== 's3') return new URL(`https://${service.globalEndpoint}`);
  return new URL(`https://${service.endpointPrefix}.${region}.amazonaws.com`);
}

/** The query string as Airlock forwards it: each pair encoded once, as the signature reads it. */
export function queryString(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`).join('&');
}

/**
 * Sets up an AWS upstream: the real credentials (read now, revealed only when a request is
 * signed) and a connection pool per endpoint. A credential that cannot be read leaves the
 * upstream refusing every request, with why.
 */
export function createAwsUpstream(
  config: AwsUpstreamConfig,
  setup: { timeoutMs: number; redactor?: Redactor; env?: NodeJS.ProcessEnv; onProblem?: (problem: string) => void; clock?: () => Date },
): AwsUpstream {
  let secrets: { accessKeyId: Secret; secretAccessKey: Secret; sessionToken?: Secret } | undefined;
  let credentialProblem: string | undefined;
  try {
    secrets = {
      accessKeyId: resolveSecret(config.credential.accessKeyId, setup.env),
      secretAccessKey: resolveSecret(config.credential.secretAccessKey, setup.env),
      ...(config.credential.sessionToken ? { sessionToken: resolveSecret(config.credential.sessionToken, setup.env) } : {}),
    };
    setup.redactor?.learn(Object.values(secrets).map((secret) => secret.reveal()));
  } catch (error) {
    setup.onProblem?.((error as Error).message);
    credentialProblem = `Airlock has no credential for the upstream ${config.name}; an operator must configure it`;
  }
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string) => {
    let pool = pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 64,
        // HTTP/2 where the endpoint offers it in TLS (ALPN), HTTP/1.1 otherwise.
        allowH2: true,
        keepAliveTimeout: 30_000,
        headersTimeout: setup.timeoutMs,
        bodyTimeout: setup.timeoutMs,
        connect: { timeout: Math.min(setup.timeoutMs, 10_000) },
      });
      pools.set(origin, pool);
    }
    return pool;
  };
  const keys = (): KeyPair => ({
    accessKeyId: secrets!.accessKeyId.reveal(),
    secretAccessKey: secrets!.secretAccessKey.reveal(),
    ...(secrets!.sessionToken ? { sessionToken: secrets!.sessionToken.reveal() } : {}),
  });
  const assumed = config.credential.assumeRole
    ? roleAssumer(
        config.credential.assumeRole,
        (region, body) =>
          sign(
            { service: 'sts', region, method: 'POST', path: '/', query: [], headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } },
            awsServices().get('sts')!,
            Buffer.from(body),
            keys(),
          ),
        setup.redactor,
      )
    : undefined;

  const sign = async (outbound: AwsOutbound, service: AwsService, body: Buffer, credentials: KeyPair) => {
    const endpoint = endpointOf(config, service, outbound.region);
    const base = withoutTrailing(endpoint.pathname, '/');
    const path = `${base}${outbound.path.startsWith('/') ? outbound.path : `/${outbound.path}`}`;
    const headers: Record<string, string> = { host: endpoint.host };
    for (const [name, value] of Object.entries(outbound.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
    // S3 wants the payload's hash said; Airlock has the whole body, so it says the real one.
    if (service.name === 's3') headers['x-amz-content-sha256'] = createHash('sha256').update(body).digest('hex');
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of outbound.query) {
      const seen = query[key];
      query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signer = new SignatureV4({
      credentials,
      region: outbound.region,
      service: service.signingName,
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: service.name !== 's3',
    });
    const signed = await signer.sign(
      {
        method: outbound.method,
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
        path,
        query,
        headers,
        body,
      },
      { signingDate: setup.clock?.() ?? new Date() },
    );
    const search = queryString(outbound.query);
    const sent: Record<string, string> = { ...(signed.headers as Record<string, string>), 'accept-encoding': 'identity' };
    if (body.length > 0 || !['GET', 'HEAD', 'DELETE'].includes(outbound.method)) sent['content-length'] = String(body.length);
    return poolFor(endpoint.origin).request({
      method: outbound.method as 'GET',
      path: search ? `${path}?${search}` : path,
      headers: sent,
      body: body.length > 0 ? body : null,
    });
  };

  return {
    name: config.name,
    config,
    credentialProblem,
    async send(outbound, service, body) {
      if (!secrets) throw new Error(credentialProblem);
      return sign(outbound, service, body, assumed ? await assumed(outbound.region) : keys());
    },
    async close() {
      await Promise.allSettled([...pools.values()].map((pool) => pool.close()));
    },
  };
}

interface KeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Temporary credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * The role's temporary credentials, from STS AssumeRole signed with the upstream's own keys;
 * kept until shortly before they expire, and asked for once however many requests wait for them.
 */
function roleAssumer(
  role: NonNullable<AwsUpstreamConfig['credential']['assumeRole']>,
  post: (region: string, body: string) => ReturnType<Pool['request']>,
  redactor: Redactor | undefined,
): (region: string) => Promise<KeyPair> {
  let held: { keys: KeyPair; renewAt: number } | undefined;
  let pending: Promise<KeyPair> | undefined;
  return (region) => {
    if (held && Date.now() < held.renewAt) return Promise.resolve(held.keys);
    pending ??= (async () => {
      const form = new URLSearchParams({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName,
        DurationSeconds: String(Math.round(role.duration / 1000)),
        ...(role.externalId ? { ExternalId: role.externalId } : {}),
      });
      const answer = await post(region, form.toString());
      const text = await answer.body.text();
      const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(text)?.[1];
      if (answer.statusCode !== 200) throw new Error(`STS AssumeRole of ${role.roleArn} answered ${answer.statusCode} ${field('Code') ?? ''}`.trim());
      const accessKeyId = field('AccessKeyId');
      const secretAccessKey = field('SecretAccessKey');
      const sessionToken = field('SessionToken');
      const expires = Date.parse(field('Expiration') ?? '');
      if (!accessKeyId || !secretAccessKey || !sessionToken || !Number.isFinite(expires))
        throw new Error(`STS AssumeRole of ${role.roleArn} gave no credentials`);
      redactor?.learn([accessKeyId, secretAccessKey, sessionToken]);
      const keys = { accessKeyId, secretAccessKey, sessionToken };
      held = { keys, renewAt: Math.max(expires - RENEW_BEFORE_MS, Date.now() + 60_000) };
      return keys;
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
