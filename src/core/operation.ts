/**
 * An operation is what an agent asks of an upstream, normalised so that every door and every
 * policy reads the same thing. Classifiers build it; nothing downstream edits it.
 *
 * @example
 * const op = operationFromParts({
 *   door: 'http', upstream: 'railway', digest,
 *   parts: [{ action: 'graphql:volumeDelete', class: 'destructive', resources: ['vol_1'] }],
 * });
 * op.class; // 'destructive'
 */

export const OPERATION_CLASSES = ['read', 'write', 'privilege', 'destructive'] as const;
export type OperationClass = (typeof OPERATION_CLASSES)[number];

export const DOORS = ['http', 'postgres', 'mcp', 'hook', 'api', 'egress'] as const;
export type Door = (typeof DOORS)[number];

/** Danger order: a request is judged by its most dangerous part. */
const SEVERITY: Record<OperationClass, number> = { read: 0, write: 1, privilege: 2, destructive: 3 };

export function severity(operationClass: OperationClass): number {
  return SEVERITY[operationClass];
}

export function isOperationClass(value: unknown): value is OperationClass {
  return typeof value === 'string' && Object.hasOwn(SEVERITY, value);
}

/** One classified piece of a request: a GraphQL root field, a SQL statement, a shell command. */
export interface OperationPart {
  /** Namespaced by classifier: `graphql:volumeDelete`, `sql:DropStmt`, `shell:rm`. */
  readonly action: string;
  readonly class: OperationClass;
  /** Resource ids named by the request (volume ids, table names, paths). */
  readonly resources: readonly string[];
  /** Why the classifier chose this class, for the audit record and `explain`. */
  readonly why?: string;
  /** A short, human-readable rendering of this part (the statement, the field with arguments). */
  readonly text?: string;
}

export interface Operation {
  readonly door: Door;
  /** The configured upstream name; undefined only for hook operations that name none. */
  readonly upstream: string | undefined;
  /** The action of the most dangerous part. */
  readonly action: string;
  readonly class: OperationClass;
  /** Established by Airlock, never taken from the agent. `production` when it cannot be. */
  readonly environment: string;
  readonly resources: readonly string[];
  readonly parts: readonly OperationPart[];
  /** SHA-256 of the exact request as forwarded (token removed); approvals bind to it. */
  readonly digest: string;
  /** What an operator reads first: the mutation, the statement, the command. */
  readonly summary: string;
}

export interface OperationInput {
  readonly door: Door;
  readonly upstream: string | undefined;
  readonly environment: string;
  readonly parts: readonly OperationPart[];
  readonly digest: string;
  readonly summary?: string;
}

/**
 * Folds parts into one operation. An empty request is a read with no parts: there is nothing in
 * it to harm, and the door decides whether to forward nothing at all.
 */
export function operationFromParts(input: OperationInput): Operation {
  const worst = mostDangerousPart(input.parts);
  const resources = [...new Set(input.parts.flatMap((part) => part.resources))];
  return Object.freeze({
    door: input.door,
    upstream: input.upstream,
    action: worst?.action ?? `${input.door}:empty`,
    class: worst?.class ?? 'read',
    environment: input.environment,
    resources: Object.freeze(resources),
    parts: Object.freeze([...input.parts]),
    digest: input.digest,
    summary: input.summary ?? input.parts.map((part) => part.text ?? part.action).join('\n'),
  });
}

/** The first part of the highest severity, so that the reported action is stable. */
export function mostDangerousPart(parts: readonly OperationPart[]): OperationPart | undefined {
  let worst: OperationPart | undefined;
  for (const part of parts) {
    if (worst === undefined || severity(part.class) > severity(worst.class)) worst = part;
  }
  return worst;
}

export function mostDangerousClass(classes: Iterable<OperationClass>): OperationClass {
  let worst: OperationClass = 'read';
  for (const c of classes) if (severity(c) > severity(worst)) worst = c;
  return worst;
}
