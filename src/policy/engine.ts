import { readFileSync } from 'node:fs';
import type { OperationClass } from '../core/operation.js';
import { cedar } from './cedar.js';
import type { PolicyContext } from './cedar-schema.js';
import { BUILTIN_POLICIES } from './builtin-policies.js';
import { attributesUsed, pick, type AttributesUsed } from './attributes-used.js';
import { annotationProblems } from './hold-annotations.js';
import { PolicyLoadError, parsePolicyFile, type LoadedPolicy, type PolicyProblem } from './policy-file.js';

export interface PolicyRequest {
  readonly agent: { readonly name: string; readonly state: string };
  readonly action: OperationClass;
  readonly upstream: { readonly name: string; readonly door: string; readonly environment: string };
  readonly context: PolicyContext;
}

export interface PolicyResult {
  readonly decision: 'allow' | 'deny';
  /** The policies whose conditions held: forbids when denied, permits when allowed. */
  readonly determining: readonly LoadedPolicy[];
  /** Policies that failed to evaluate. Any error makes the decision unusable: fail closed. */
  readonly errors: readonly string[];
}

const CACHE_LIMIT = 10_000;
let nextSetId = 0;

/**
 * Built-in and user policies, parsed once into Cedar's cache. Evaluation is a pure function of
 * the request, so results are memoised per request until the engine is replaced by a reload.
 */
export class PolicyEngine {
  private readonly setId = `airlock-${++nextSetId}`;
  private readonly byId: Map<string, LoadedPolicy>;
  private readonly cache = new Map<string, PolicyResult>();
  private readonly used: AttributesUsed;

  private constructor(readonly policies: readonly LoadedPolicy[]) {
    this.byId = new Map(policies.map((p) => [p.id, p]));
    this.used = attributesUsed(
      policies.flatMap((p) => {
        const json = cedar.policyToJson(p.text);
        return json.type === 'success' ? [json.json] : [];
      }),
    );
    const answer = cedar.preparsePolicySet(this.setId, {
      staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])),
    });
    if (answer.type === 'failure') {
      throw new PolicyLoadError(answer.errors.map((e) => ({ file: 'policies', line: 1, column: 1, message: e.message })));
    }
  }

  /** Loads the built-in rules and the given files; throws PolicyLoadError listing every problem. */
  static load(files: readonly string[]): PolicyEngine {
    const sources = [{ file: 'built-in', text: BUILTIN_POLICIES }];
    const problems: PolicyProblem[] = [];
    for (const file of files) {
      try {
        sources.push({ file, text: readFileSync(file, 'utf8') });
      } catch (error) {
        problems.push({ file, line: 1, column: 1, message: `cannot read policy file: ${(error as Error).message}` });
      }
    }
    return PolicyEngine.fromSources(sources, problems);
  }

  static fromSources(sources: readonly { file: string; text: string }[], earlier: PolicyProblem[] = []): PolicyEngine {
    const problems = [...earlier];
    const policies: LoadedPolicy[] = [];
    const seen = new Map<string, string>();
    for (const { file, text } of sources) {
      const parsed = parsePolicyFile(file, text);
      problems.push(...parsed.problems);
      for (const policy of parsed.policies) {
        const [, line] = policy.origin.split(':');
        const where = { file, line: Number(line ?? 1), column: 1 };
        for (const message of annotationProblems(policy)) problems.push({ ...where, message });
        const previous = seen.get(policy.id);
        if (previous) {
          problems.push({ ...where, message: `policy id "${policy.id}" is already used at ${previous}; ids must be unique` });
          continue;
        }
        if (file !== 'built-in' && policy.id.startsWith('airlock/')) {
          problems.push({ ...where, message: `policy id "${policy.id}": the airlock/ prefix is reserved for built-in rules` });
          continue;
        }
        seen.set(policy.id, policy.origin);
        policies.push(policy);
      }
    }
    if (problems.length > 0) throw new PolicyLoadError(problems);
    return new PolicyEngine(policies);
  }

  policy(id: string): LoadedPolicy | undefined {
    return this.byId.get(id);
  }

  evaluate(request: PolicyRequest): PolicyResult {
    // Only what some policy reads goes to Cedar, and into the memo key: see attributes-used.ts.
    const context = pick(request.context, this.used.context);
    const agentAttributes = pick({ state: request.agent.state }, this.used.principal);
    const upstreamAttributes = pick({ door: request.upstream.door, environment: request.upstream.environment }, this.used.resource);
    const key = JSON.stringify([request.agent.name, request.action, request.upstream.name, agentAttributes, upstreamAttributes, context]);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const principal = { type: 'Airlock::Agent', id: request.agent.name };
    const resource = { type: 'Airlock::Upstream', id: request.upstream.name };
    const answer = cedar.statefulIsAuthorized({
      principal,
      action: { type: 'Airlock::Action', id: request.action },
      resource,
      context: context as Record<string, never>,
      preparsedPolicySetId: this.setId,
      entities: [
        { uid: principal, attrs: agentAttributes as Record<string, never>, parents: [] },
        { uid: resource, attrs: upstreamAttributes as Record<string, never>, parents: [] },
      ],
    });
    const result = this.interpret(answer);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, result);
    return result;
  }

  private interpret(answer: ReturnType<typeof cedar.statefulIsAuthorized>): PolicyResult {
    if (answer.type === 'failure') {
      return { decision: 'deny', determining: [], errors: answer.errors.map((e) => e.message) };
    }
    const { decision, diagnostics } = answer.response;
    return {
      decision,
      determining: diagnostics.reason.flatMap((id) => this.byId.get(id) ?? []),
      errors: diagnostics.errors.map((e) => `policy ${e.policyId}: ${e.error.message}`),
    };
  }
}
