import type { Command } from 'commander';
import { loadOrCreateCa, rotateCa } from '../../doors/egress/ca.js';
import { loadSecretKey } from '../../identity/secret-box.js';
import { configOf } from '../context.js';

/** What each ecosystem reads to trust an extra CA, for the printed hint. */
const CA_VARIABLES = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'AWS_CA_BUNDLE', 'GIT_SSL_CAINFO', 'CURL_CA_BUNDLE'];

/** `airlock ca export|rotate`: the certificate authority the egress door issues host certificates with. */
export function registerCa(program: Command): void {
  const ca = program.command('ca').description("the egress door's certificate authority, which the agent's sandbox must trust");
  ca.command('export')
    .description('print the CA certificate (PEM) on stdout, creating the CA if there is none yet')
    .action(async (_options: unknown, command: Command) => {
      const config = configOf(command);
      const authority = await loadOrCreateCa(config.dataDir, loadSecretKey(config.dataDir, { warn: (message) => process.stderr.write(`${message}\n`) }));
      process.stdout.write(authority.certificatePem);
      if (process.stdout.isTTY) {
        process.stderr.write(
          `\nSave it to a file in the agent's sandbox and point ${CA_VARIABLES.join(', ')} at it (SSL_CERT_FILE and REQUESTS_CA_BUNDLE replace the system bundle: give them the system bundle with this certificate appended).\n`,
        );
      }
    });
  ca.command('rotate')
    .description('replace the CA with a new one; restart Airlock, and give every sandbox the new certificate')
    .action(async (_options: unknown, command: Command) => {
      const config = configOf(command);
      const authority = await rotateCa(config.dataDir, loadSecretKey(config.dataDir, { warn: (message) => process.stderr.write(`${message}\n`) }));
      process.stderr.write(`New CA ${await authority.fingerprint()} (SHA-256). Restart Airlock, then export it again for every sandbox.\n`);
      process.stdout.write(authority.certificatePem);
    });
}
