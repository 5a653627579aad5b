import picomatch from 'picomatch';
import { isOperationClass, type Operation, type OperationClass } from '../core/operation.js';

/**
 * A token scope: `CLASS:ENV[:UPSTREAM[:RESOURCE-GLOB]]`, e.g. `write:staging`,
 * `read:*`, `destructive:staging:railway:vol_*`.
 *
 * Classes nest for data (`read` ⊂ `write` ⊂ `destructive`); `privilege` grants only itself,
 * because changing who may do what is not a bigger kind of write. `*` grants every class.
 */
export interface Scope {
  readonly class: OperationClass | '*';
  readonly environment: string; // or '*'
  readonly upstream: string; // or '*'
  readonly resource: string | undefined; // a glob; undefined means any
}

const NAME = /^(\*|[A-Za-z0-9][A-Za-z0-9._-]*)$/;

export class ScopeError extends Error {
  override readonly name = 'ScopeError';
}

export function parseScope(text: string): Scope {
  const trimmed = text.trim();
  const [cls, environment, upstream, ...rest] = trimmed.split(':');
  const resource = rest.length > 0 ? rest.join(':') : undefined;
  const usage = 'expected CLASS:ENV[:UPSTREAM[:RESOURCE-GLOB]], e.g. write:staging or destructive:staging:railway:vol_*';
  if (!cls || environment === undefined || environment === '') {
    throw new ScopeError(`scope "${text}": ${usage}`);
  }
  if (cls !== '*' && !isOperationClass(cls)) {
    throw new ScopeError(`scope "${text}": unknown class "${cls}"; use read, write, destructive, privilege or *`);
  }
  if (!NAME.test(environment)) throw new ScopeError(`scope "${text}": environment "${environment}" is not a name or *`);
  if (upstream !== undefined && !NAME.test(upstream)) {
    throw new ScopeError(`scope "${text}": upstream "${upstream}" is not a name or *`);
  }
  if (resource !== undefined && resource.length === 0) throw new ScopeError(`scope "${text}": empty resource glob`);
  return Object.freeze({ class: cls, environment, upstream: upstream ?? '*', resource });
}

export function formatScope(scope: Scope): string {
  const parts = [scope.class, scope.environment];
  if (scope.upstream !== '*' || scope.resource !== undefined) parts.push(scope.upstream);
  if (scope.resource !== undefined) parts.push(scope.resource);
  return parts.join(':');
}

const GRANTS: Record<OperationClass | '*', ReadonlySet<OperationClass>> = {
  read: new Set(['read']),
  write: new Set(['read', 'write']),
  destructive: new Set(['read', 'write', 'destructive']),
  privilege: new Set(['privilege']),
  '*': new Set(['read', 'write', 'destructive', 'privilege']),
};

const matchers = new Map<string, (value: string) => boolean>();
function globMatcher(glob: string): (value: string) => boolean {
  let matcher = matchers.get(glob);
  if (!matcher) {
    matcher = picomatch(glob, { dot: true });
    matchers.set(glob, matcher);
  }
  return matcher;
}

type ScopedOperation = Pick<Operation, 'class' | 'environment' | 'upstream' | 'resources'>;

/**
 * Whether one scope covers the operation. The environment compared is the one Airlock
 * established. A scope limited to resources covers an operation only when every resource the
 * operation names matches, and never one that names none: what cannot be shown to be inside
 * the limit is outside it.
 */
export function scopeCovers(scope: Scope, operation: ScopedOperation): boolean {
  if (!GRANTS[scope.class].has(operation.class)) return false;
  if (scope.environment !== '*' && scope.environment !== operation.environment) return false;
  if (scope.upstream !== '*' && scope.upstream !== operation.upstream) return false;
  if (scope.resource !== undefined) {
    if (operation.resources.length === 0) return false;
    const matches = globMatcher(scope.resource);
    return operation.resources.every((resource) => matches(resource));
  }
  return true;
}

export function scopesCover(scopes: readonly Scope[], operation: ScopedOperation): Scope | undefined {
  return scopes.find((scope) => scopeCovers(scope, operation));
}
