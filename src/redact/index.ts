/**
 * One redaction for every door: whatever an upstream sends back to an agent — an HTTP body or
 * header, an MCP result, error, resource, prompt or tool list, a PostgreSQL row, notice or
 * error, a hook's answer — passes the same masking of every credential Airlock holds.
 *
 * @example
 * const redactor = redactorFor(runtime.config);
 * const safe = redactor.maskValue(resultFromUpstream);
 * upstreamBody.pipe(redactor.stream()).pipe(response);
 */
import { credentialsOf } from './credentials.js';
import { Redactor } from './redactor.js';

export { credentialsOf, credentialParts } from './credentials.js';
export { base64Cores, credentialForms, ENCODED_FORMS_MIN_BYTES } from './forms.js';
export { Redactor } from './redactor.js';

type RedactableConfig = Parameters<typeof credentialsOf>[0];

const shared = new WeakMap<RedactableConfig, Redactor>();

/**
 * The redactor of one running configuration, made once and shared by every door, so that a
 * credential any door holds is masked at every door.
 */
export function redactorFor(config: RedactableConfig): Redactor {
  let redactor = shared.get(config);
  if (!redactor) {
    redactor = new Redactor(credentialsOf(config));
    shared.set(config, redactor);
  }
  return redactor;
}

/**
 * A reloaded configuration keeps the redactor of the one before, taught the new credentials: a
 * credential retired by the reload is still masked if an upstream sends it back.
 */
export function carryRedactor(from: RedactableConfig, to: RedactableConfig): Redactor {
  const redactor = redactorFor(from);
  redactor.learn(credentialsOf(to));
  shared.set(to, redactor);
  return redactor;
}
