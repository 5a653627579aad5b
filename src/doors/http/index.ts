/**
 * The HTTP door: GraphQL and REST upstreams behind `/u/<upstream>/…`.
 *
 * @example
 * // airlock.yaml
 * // upstreams:
 * //   - name: railway
 * //     kind: graphql
 * //     url: https://backboard.railway.com/graphql/v2
 * //     credential: { bearer: { env: RAILWAY_TOKEN } }
 * //
 * // The agent, holding only an Airlock token:
 * // curl -H "Authorization: Bearer alk_…" -H 'content-type: application/json' \
 * //      -d '{"query":"{ me { email } }"}' http://127.0.0.1:4100/u/railway
 */
import type { DoorModule } from '../../server/door-module.js';
import { openHttpDoor } from './door.js';
import { awsHoldReplayer, isStoredAwsRequest } from '../aws/replay.js';
import { httpHoldReplayer } from './replay.js';

export const httpDoor: DoorModule = {
  name: 'http',
  start: async (runtime) => ({
    ...(await openHttpDoor(runtime)),
    replay: (hold) => (isStoredAwsRequest(hold.request) ? awsHoldReplayer(runtime, hold) : httpHoldReplayer(runtime, hold)),
  }),
};

export { openHttpDoor, bearerToken, type HttpDoorOptions, type StoredHttpRequest } from './door.js';
export { replayHttpRequest, type ReplayResult } from './replay.js';
export { graphqlRefusal, problemRefusal, statusFor, HTTP_RETRY_HINT } from './refusal.js';
