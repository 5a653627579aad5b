import { z } from 'zod';
import type { Admin } from '../../admin/admin.js';

/**
 * The admin API, one route per Admin method. The server (admin-api.ts) and the CLI's client
 * (src/admin/remote-admin.ts) both read this table, so they cannot disagree about a path, and a
 * new Admin method does not type-check until it has a route here.
 *
 * A request's input is its path parameters, plus the query string for GET or the JSON body
 * otherwise; `input` validates it (query values arrive as strings, hence the coercions).
 */
export type AdminMethod = Exclude<keyof Admin, 'operator'>;
export type AdminInput<M extends AdminMethod> = Parameters<Admin[M]> extends [infer A, ...unknown[]] ? A : Record<string, never>;

export interface AdminRoute<M extends AdminMethod = AdminMethod> {
  readonly verb: 'GET' | 'POST' | 'DELETE';
  /** Under /v1/admin; `:name` segments are filled from the input field of that name. */
  readonly path: string;
  readonly input: z.ZodType<AdminInput<M>, unknown>;
  /**
   * From a browser session, this also needs a current second-factor code (`code` in the body):
   * a stolen or unattended session must not be enough to grant power or to lift a stop.
   */
  readonly stepUp?: boolean;
}

const route = <M extends AdminMethod>(verb: AdminRoute['verb'], path: string, input: z.ZodType<AdminInput<M>, unknown>, stepUp = false): AdminRoute<M> => ({
  verb,
  path,
  input,
  ...(stepUp ? { stepUp } : {}),
});

const queryBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const queryInteger = z.union([z.number().int(), z.string().regex(/^\d+$/, 'a whole number').transform(Number)]);
/** A list in a query string: repeated keys (`?status=a&status=b`) or one comma-separated value. */
const queryList = <T extends z.ZodType<string, unknown>>(item: T) =>
  z.preprocess((value) => (typeof value === 'string' ? value.split(',').filter(Boolean) : value), z.array(item).max(20));
const queryLimit = queryInteger.pipe(z.number().min(1).max(1000));
const holdStatus = z.enum(['pending', 'approved', 'scheduled', 'executed', 'denied', 'cancelled', 'expired', 'failed']);
const holdId = z.string().min(1).max(100);
const name = z.string().min(1).max(200);
const reason = z.string().max(500);
const none = z.strictObject({}) as unknown as z.ZodType<Record<string, never>, unknown>;

export const ADMIN_ROUTES: { readonly [M in AdminMethod]: AdminRoute<M> } = {
  listAgents: route('GET', '/agents', none),
  addAgent: route('POST', '/agents', z.strictObject({ name, description: z.string().max(500).optional() })),
  setAgentState: route(
    'POST',
    '/agents/:name/state',
    z.strictObject({ name, state: z.enum(['active', 'suspended', 'stopped']), reason: reason.optional() }),
    true,
  ),
  removeAgent: route('DELETE', '/agents/:name', z.strictObject({ name })),
  setAgentObserve: route(
    'POST',
    '/agents/:name/observe',
    z.strictObject({
      name,
      forMs: z
        .number()
        .int()
        .positive()
        .max(90 * 86_400_000)
        .optional(),
      off: z.boolean().optional(),
    }),
    true,
  ),

  listTokens: route('GET', '/tokens', z.strictObject({ agent: name.optional(), includeRevoked: queryBoolean.optional() })),
  issueToken: route(
    'POST',
    '/tokens',
    z.strictObject({
      agent: name,
      scopes: z.array(z.string().min(1).max(500)).min(1).max(50),
      ttlMs: z.number().int().positive().optional(),
      label: z.string().max(200).optional(),
    }),
    true,
  ),
  revokeToken: route('POST', '/tokens/:id/revoke', z.strictObject({ id: z.string().min(1).max(100) })),

  stop: route('POST', '/stop', z.strictObject({ agent: name.optional(), all: z.boolean().optional(), reason: reason.optional() }), true),
  resume: route('POST', '/resume', z.strictObject({ agent: name.optional(), all: z.boolean().optional() }), true),
  control: route('GET', '/control', none),

  listAudit: route(
    'GET',
    '/audit',
    z.strictObject({
      afterSeq: queryInteger.optional(),
      agent: name.optional(),
      type: z.string().max(100).optional(),
      verdict: z.enum(['allow', 'deny', 'hold']).optional(),
      limit: queryLimit.optional(),
      newestFirst: queryBoolean.optional(),
    }),
  ),

  listHolds: route('GET', '/holds', z.strictObject({ status: queryList(holdStatus).optional(), agent: name.optional(), limit: queryLimit.optional() })),
  showHold: route('GET', '/holds/:id', z.strictObject({ id: holdId })),
  approveHold: route('POST', '/holds/:id/approve', z.strictObject({ id: holdId, code: z.string().max(20).optional(), operator: name.optional() })),
  denyHold: route('POST', '/holds/:id/deny', z.strictObject({ id: holdId, reason: reason.optional() }), true),
  cancelHold: route('POST', '/holds/:id/cancel', z.strictObject({ id: holdId, reason: reason.optional() })),
  listDeliveries: route(
    'GET',
    '/deliveries',
    z.strictObject({ holdId: holdId.optional(), status: queryList(z.enum(['pending', 'delivered', 'failed'])).optional(), limit: queryLimit.optional() }),
  ),

  freezeStatus: route('GET', '/freeze', none),
  startFreeze: route(
    'POST',
    '/freeze',
    z.strictObject({
      reason: z.string().min(1).max(500),
      until: z.iso.datetime({ offset: true }).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
    }),
  ),
  endFreeze: route('DELETE', '/freeze', none, true),

  listOperators: route('GET', '/operators', none),
  addOperator: route('POST', '/operators', z.strictObject({ name }), true),
  removeOperator: route('DELETE', '/operators/:name', z.strictObject({ name }), true),
};

/** The path with its parameters filled in, and the input fields that are left for the query or body. */
export function fillPath(path: string, input: Record<string, unknown>): { path: string; rest: Record<string, unknown> } {
  const rest = { ...input };
  const filled = path.replace(/:([A-Za-z]+)/g, (_, key: string) => {
    const value = rest[key];
    delete rest[key];
    if (value === undefined || value === null || value === '') throw new Error(`${key} is required`);
    return encodeURIComponent(String(value));
  });
  return { path: filled, rest };
}
