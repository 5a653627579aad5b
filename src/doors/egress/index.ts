/**
 * The egress door: Airlock as the HTTPS proxy of the agent's sandbox, so that the agent's own
 * tools (curl, SDKs, provider CLIs) reach real host names only through Airlock.
 *
 * @example
 * // airlock.yaml
 * // listen: { egress: 127.0.0.1:4101 }
 * // egress: { allow: [registry.npmjs.org] }
 * // upstreams:
 * //   - name: railway
 * //     kind: graphql
 * //     url: https://backboard.railway.app/graphql/v2
 * //     hosts: [backboard.railway.app]
 * //     credential: { bearer: { env: RAILWAY_TOKEN } }
 * //
 * // In the agent's sandbox:
 * // airlock ca export > airlock-ca.pem
 * // HTTPS_PROXY=http://agent:alk_…@127.0.0.1:4101 curl --cacert airlock-ca.pem \
 * //   -d '{"query":"{ me { email } }"}' -H 'content-type: application/json' https://backboard.railway.app/graphql/v2
 */
import type { DoorModule } from '../../server/door-module.js';
import { openEgressDoor } from './door.js';

export const egressDoor: DoorModule = {
  name: 'egress',
  start: (runtime) => openEgressDoor(runtime),
};

export { openEgressDoor } from './door.js';
export { CertificateAuthority, loadOrCreateCa, rotateCa, generateCa, CA_FILE } from './ca.js';
export { destinationOf, allows, parseConnectAuthority, parseAbsoluteTarget, type Authority, type Destination } from './hosts.js';
export { proxyCredentialOf } from './proxy-auth.js';
