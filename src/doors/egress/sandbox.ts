import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UpstreamConfig } from '../../config/upstreams/index.js';

/**
 * The environment of an agent's sandbox behind the egress door, as `airlock init sandbox`
 * writes it: the proxy (with the agent's token as its credential), the CA variables each
 * ecosystem reads, and an AWS profile holding the Airlock-issued credentials.
 *
 * @example
 * const files = sandboxFiles({ dir: resolve('airlock-sandbox'), token, caPem, proxy: '127.0.0.1:4101', airlockHost: '127.0.0.1' });
 * // files: env, airlock-ca.pem, ca-bundle.pem, aws/config, aws/credentials
 */

/** Where distributions keep the system's trusted roots, most common first. */
export const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, Alpine
];

/** The AWS profile the written config names. */
export const AWS_PROFILE = 'airlock';

export interface SandboxSetup {
  /** The folder the files are written to, absolute: the variables name files in it. */
  readonly dir: string;
  /** The agent's Airlock token. */
  readonly token: string;
  /** Airlock's CA certificate, PEM. */
  readonly caPem: string;
  /** The system bundle found, to which Airlock's CA is appended. */
  readonly systemBundle?: { readonly path: string; readonly pem: string };
  /** The egress door as the sandbox reaches it: `host:port`. */
  readonly proxy: string;
  /** Airlock's own HTTP listener host, reached directly (NO_PROXY). */
  readonly airlockHost: string;
  /** Set when the config has an AWS upstream. */
  readonly aws?: { readonly region: string; readonly addressingStyle: 'virtual' | 'path' };
}

export interface SandboxFile {
  /** Relative to the folder. */
  readonly name: string;
  readonly content: string;
  /** Holds the token: written readable by its owner only, and masked when shown. */
  readonly secret: boolean;
  /** What it is, in a few words. */
  readonly about: string;
}

export const ENV_FILE = 'env';
export const CA_PEM_FILE = 'airlock-ca.pem';
export const CA_BUNDLE_FILE = 'ca-bundle.pem';

/** The system's bundle of trusted roots, from the first of the given paths that holds one. */
export function findSystemBundle(candidates: readonly string[] = SYSTEM_BUNDLES): { path: string; pem: string } | undefined {
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const pem = readFileSync(path, 'utf8');
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return { path, pem };
  }
  return undefined;
}

/**
 * What AWS settings the sandbox needs, when the config has an AWS upstream: the region its
 * calls are signed for (the first of `regions`, else us-east-1) and virtual-hosted S3 names when
 * the upstream answers for a bucket's own host (`*.s3.amazonaws.com`), path style otherwise.
 */
export function awsSettingsOf(upstreams: readonly UpstreamConfig[]): SandboxSetup['aws'] {
  const aws = upstreams.filter((upstream) => upstream.kind === 'aws');
  if (aws.length === 0) return undefined;
  const virtual = aws.some((upstream) => upstream.hosts.some((host) => /^\*\.s3[.-]/.test(host)));
  return { region: aws.find((upstream) => upstream.regions.length > 0)?.regions[0] ?? 'us-east-1', addressingStyle: virtual ? 'virtual' : 'path' };
}

/** Single-quoted for sh: nothing inside is expanded. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The variables, in the order they are written. */
export function sandboxVariables(setup: SandboxSetup): [string, string][] {
  const proxy = `http://agent:${setup.token}@${setup.proxy}`;
  const ca = join(setup.dir, CA_PEM_FILE);
  // These replace a client's whole trust store, so they get the system bundle too when there is
  // one: tunnelled hosts (egress.allow) present their own certificates, not Airlock's.
  const bundle = setup.systemBundle ? join(setup.dir, CA_BUNDLE_FILE) : ca;
  const variables: [string, string][] = [
    ['HTTPS_PROXY', proxy],
    ['HTTP_PROXY', proxy],
    // curl reads only the lower-case http_proxy; many tools read either.
    ['https_proxy', proxy],
    ['http_proxy', proxy],
    ['NO_PROXY', setup.airlockHost],
    ['no_proxy', setup.airlockHost],
    ['NODE_EXTRA_CA_CERTS', ca],
    ['SSL_CERT_FILE', bundle],
    ['REQUESTS_CA_BUNDLE', bundle],
    ['CURL_CA_BUNDLE', bundle],
    ['GIT_SSL_CAINFO', bundle],
    ['AWS_CA_BUNDLE', bundle],
  ];
  if (setup.aws) {
    variables.push(
      ['AWS_CONFIG_FILE', join(setup.dir, 'aws', 'config')],
      // Its own credentials file, so that keys found in ~/.aws are never the ones an SDK picks.
      ['AWS_SHARED_CREDENTIALS_FILE', join(setup.dir, 'aws', 'credentials')],
      ['AWS_PROFILE', AWS_PROFILE],
    );
  }
  return variables;
}

/** Every file of the sandbox's setup, with its content. */
export function sandboxFiles(setup: SandboxSetup): SandboxFile[] {
  const env = [
    '# The environment of an agent sandboxed behind Airlock: source it (. ./env) before the agent starts.',
    '# It holds the agent’s Airlock token; keep it out of the agent’s working folder and of version control.',
    ...sandboxVariables(setup).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    '',
  ].join('\n');
  const files: SandboxFile[] = [
    { name: ENV_FILE, content: env, secret: true, about: 'the variables (with the token)' },
    { name: CA_PEM_FILE, content: setup.caPem, secret: false, about: 'Airlock’s CA certificate' },
  ];
  if (setup.systemBundle) {
    const system = setup.systemBundle.pem.endsWith('\n') ? setup.systemBundle.pem : `${setup.systemBundle.pem}\n`;
    files.push({
      name: CA_BUNDLE_FILE,
      content: `${system}# Airlock's CA\n${setup.caPem}`,
      secret: false,
      about: `${setup.systemBundle.path} and Airlock’s CA`,
    });
  }
  if (setup.aws) {
    const bundle = join(setup.dir, setup.systemBundle ? CA_BUNDLE_FILE : CA_PEM_FILE);
    files.push(
      {
        name: join('aws', 'config'),
        content: [
          `[profile ${AWS_PROFILE}]`,
          `region = ${setup.aws.region}`,
          `ca_bundle = ${bundle}`,
          's3 =',
          // SigV4 everywhere: the CLI presigns S3 in us-east-1 with SigV2 unless told, which Airlock does not read.
          '  signature_version = s3v4',
          `  addressing_style = ${setup.aws.addressingStyle}`,
          '',
        ].join('\n'),
        secret: false,
        about: `the ${AWS_PROFILE} profile`,
      },
      {
        name: join('aws', 'credentials'),
        // Airlock-issued AWS credentials: the token is both the key id and the secret (docs/aws.md).
        content: [`[${AWS_PROFILE}]`, `aws_access_key_id = ${setup.token}`, `aws_secret_access_key = ${setup.token}`, ''].join('\n'),
        secret: true,
        about: 'the Airlock-issued AWS credentials (the token)',
      },
    );
  }
  return files;
}

/** Text with the token replaced, for showing on a terminal or in a log. */
export function maskToken(text: string, token: string): string {
  return text.split(token).join(`${token.slice(0, 4)}…`);
}
