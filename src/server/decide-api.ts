import type { Context } from 'hono';
import { refusalFor } from '../core/refusal.js';
import type { Verdict } from '../core/verdict.js';
import type { Operation } from '../core/operation.js';
import { apiRequestId } from './api-request-id.js';
import { redactorFor } from '../redact/index.js';
import { decideSubjects } from './decide-subjects.js';
import type { Runtime } from './runtime.js';

/** The answer of `POST /v1/decide`, what hooks and scripts act on. */
export function verdictBody(verdict: Verdict, operation: Operation | undefined, auditSeq: number | undefined) {
  const refusal = verdict.kind === 'allow' ? undefined : refusalFor(verdict);
  return {
    verdict: verdict.kind,
    ...(verdict.kind === 'deny' ? { code: verdict.code } : {}),
    ...(verdict.holdId ? { holdId: verdict.holdId } : {}),
    ...(verdict.kind === 'hold' ? { expiresAt: verdict.expiresAt, needs: verdict.needs, ...(verdict.runAt ? { runAt: verdict.runAt } : {}) } : {}),
    ...(verdict.kind === 'deny' && verdict.retryAt ? { retryAt: verdict.retryAt } : {}),
    reasons: verdict.reasons,
    policies: verdict.policies,
    ...(verdict.signals ? { signals: verdict.signals } : {}),
    ...(refusal ? { message: refusal.message, instruction: refusal.instruction } : {}),
    ...(operation
      ? {
          operation: {
            door: operation.door,
            upstream: operation.upstream,
            action: operation.action,
            class: operation.class,
            environment: operation.environment,
            resources: operation.resources,
            parts: operation.parts,
          },
        }
      : {}),
    ...(auditSeq !== undefined ? { audit: auditSeq } : {}),
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * `POST /v1/decide`: judge one operation and record the decision, exactly as a door would,
 * without forwarding anything. A malformed question gets a 400 with what to fix; any question
 * asked properly gets 200 and a verdict, including refusals.
 */
export async function handleDecide(c: Context, runtime: Runtime): Promise<Response> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json({ error: 'the body must be JSON, e.g. {"operation": {"action": "...", "class": "write"}}' }, 400);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return c.json({ error: 'the body must be a JSON object' }, 400);
  const { holdId, ...rest } = body as Record<string, unknown>;
  const keys = Object.keys(rest);
  const subjects = decideSubjects(runtime);
  const subject = subjects.find((s) => keys.includes(s.key));
  if (!subject || keys.length !== 1) {
    return c.json({ error: `ask about exactly one of: ${subjects.map((s) => s.key).join(', ')} (optionally with holdId)` }, 400);
  }
  if (holdId !== undefined && typeof holdId !== 'string') return c.json({ error: 'holdId must be a string' }, 400);
  const parsed = subject.schema.safeParse(rest[subject.key]);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return c.json({ error: `${[subject.key, ...issue.path].join('.')}: ${issue.message}` }, 400);
  }
  const built = await subject.toOperation(parsed.data, runtime);
  if (!built.ok) return c.json({ error: built.error }, 400);
  const result = await runtime.gate.decide({
    operation: built.operation,
    token: bearerToken(c.req.header('authorization')),
    ...(holdId ? { holdId } : {}),
    request: { subject: subject.key, value: parsed.data },
    requestId: apiRequestId(c),
  });
  // The answer a harness shows its agent passes the one redaction, as every door's does.
  return c.json(redactorFor(runtime.config).maskValue(verdictBody(result.verdict, built.operation, result.record?.seq)));
}
