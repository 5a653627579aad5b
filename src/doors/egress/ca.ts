// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API at load time.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { SecretKey } from '../../identity/secret-box.js';

type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Where the CA lives in the data folder: its certificate in the clear, its key sealed. */
export const CA_FILE = 'egress-ca.json';
/** The owner a sealed CA key is bound to (secret-box associated data). */
const SEALED_OWNER = 'egress-ca';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const CA_LIFETIME_MS = 3650 * DAY_MS;
/** Short enough for every client's limit (398 days); certificates are issued again at each start. */
const LEAF_LIFETIME_MS = 90 * DAY_MS;
/** Clocks of sandboxes drift; a certificate valid from an hour ago is not "not yet valid". */
const BACKDATE_MS = 3_600_000;

interface StoredCa {
  readonly version: 1;
  readonly certificate: string;
  readonly sealedKey: string;
  readonly createdAt: string;
}

/**
 * Airlock's certificate authority for the egress door: it signs one certificate per host the
 * door opens, so that the agent's tools, trusting this CA (`airlock ca export`), talk TLS to
 * Airlock as if to the real host. Created on first use; its private key is sealed with
 * Airlock's secret key and opened only in memory.
 *
 * @example
 * const ca = await loadOrCreateCa(config.dataDir, loadSecretKey(config.dataDir));
 * ca.certificatePem; // what `airlock ca export` prints
 * const context = await ca.contextFor('backboard.railway.app');
 */
export class CertificateAuthority {
  readonly #privateKey: CryptoKey;
  readonly #certificate: x509.X509Certificate;
  readonly #contexts = new Map<string, Promise<SecureContext>>();
  #leafKeys: Promise<{ publicKey: CryptoKey; pem: string }> | undefined;

  private constructor(certificate: x509.X509Certificate, privateKey: CryptoKey) {
    this.#certificate = certificate;
    this.#privateKey = privateKey;
  }

  static async open(certificatePem: string, pkcs8: Buffer): Promise<CertificateAuthority> {
    const certificate = new x509.X509Certificate(certificatePem);
    const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, ALGORITHM, false, ['sign']);
    return new CertificateAuthority(certificate, privateKey);
  }

  get certificatePem(): string {
    return `${this.#certificate.toString('pem')}\n`;
  }

  /** SHA-256 of the CA certificate, as `openssl x509 -fingerprint -sha256` prints it. */
  async fingerprint(): Promise<string> {
    const bytes = Buffer.from(await this.#certificate.getThumbprint('SHA-256'));
    return [...bytes].map((byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
  }

  /** The TLS context for one host, issued once per process and kept. */
  contextFor(host: string): Promise<SecureContext> {
    const name = host.toLowerCase();
    let context = this.#contexts.get(name);
    if (!context) {
      context = this.#issue(name);
      // A failure is not kept: the next connection tries again.
      context.catch(() => this.#contexts.delete(name));
      this.#contexts.set(name, context);
    }
    return context;
  }

  async #issue(host: string): Promise<SecureContext> {
    // One key pair serves every host certificate: generating one per host buys nothing, since
    // all of them live in this process beside the CA key.
    this.#leafKeys ??= (async () => {
      const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
      return { publicKey: keys.publicKey, pem: pemOf('PRIVATE KEY', Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))) };
    })();
    const leaf = await this.#leafKeys;
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: `CN=${host}`,
      issuer: this.#certificate.subject,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + LEAF_LIFETIME_MS),
      signingKey: this.#privateKey,
      publicKey: leaf.publicKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.SubjectAlternativeNameExtension([isIP(host) ? { type: 'ip', value: host } : { type: 'dns', value: host }]),
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        await x509.AuthorityKeyIdentifierExtension.create(this.#certificate, false),
      ],
    });
    return createSecureContext({ key: leaf.pem, cert: `${certificate.toString('pem')}\n${this.certificatePem}`, minVersion: 'TLSv1.2' });
  }
}

/** A new CA: its certificate (PEM) and private key (PKCS #8). */
export async function generateCa(now = new Date()): Promise<{ certificatePem: string; pkcs8: Buffer }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    // The date in the name tells one generation of the CA from the next in a trust store.
    name: `CN=Airlock egress CA ${now.toISOString().slice(0, 10)}, O=Airlock`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_LIFETIME_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      // pathLength 0: the CA signs host certificates, never another CA.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: `${certificate.toString('pem')}\n`, pkcs8: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/**
 * The CA kept in `<dataDir>/egress-ca.json`, created there on first use. Two processes
 * starting at once agree on one: the file is created exclusively, and the loser reads it.
 */
export async function loadOrCreateCa(dataDir: string, key: SecretKey): Promise<CertificateAuthority> {
  const path = join(dataDir, CA_FILE);
  const stored = readStored(path);
  if (stored) return openStored(stored, key);
  const fresh = await generateCa();
  const record = sealedRecord(fresh, key);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return openStored(readStored(path)!, key);
  }
  return CertificateAuthority.open(fresh.certificatePem, fresh.pkcs8);
}

/** Replaces the CA with a new one; agents must trust the new certificate before the next start. */
export async function rotateCa(dataDir: string, key: SecretKey): Promise<CertificateAuthority> {
  const path = join(dataDir, CA_FILE);
  const fresh = await generateCa();
  mkdirSync(dataDir, { recursive: true });
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(sealedRecord(fresh, key), null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
  return CertificateAuthority.open(fresh.certificatePem, fresh.pkcs8);
}

function sealedRecord(ca: { certificatePem: string; pkcs8: Buffer }, key: SecretKey): StoredCa {
  return { version: 1, certificate: ca.certificatePem, sealedKey: key.seal(ca.pkcs8.toString('base64'), SEALED_OWNER), createdAt: new Date().toISOString() };
}

function readStored(path: string): StoredCa | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const stored = JSON.parse(text) as StoredCa;
  if (stored.version !== 1 || typeof stored.certificate !== 'string' || typeof stored.sealedKey !== 'string') {
    throw new Error(`${path} is not an Airlock CA file; move it away and Airlock creates a new CA`);
  }
  return stored;
}

function openStored(stored: StoredCa, key: SecretKey): Promise<CertificateAuthority> {
  return CertificateAuthority.open(stored.certificate, Buffer.from(key.open(stored.sealedKey, SEALED_OWNER), 'base64'));
}

function pemOf(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A positive 128-bit serial (the top bit cleared, so DER needs no sign byte). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}
