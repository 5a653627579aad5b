/**
 * The shell classifier: a command line as a coding agent's harness is about to run it →
 * one part per command, each with an action (`shell:railway volume delete`, `shell:rm -rf`,
 * `graphql:volumeDelete` for a `curl` to a guarded GraphQL API), a class, the resources it
 * names, and why.
 *
 * It reads the line with a real shell parser and follows what Bash would do: pipelines, `&&`,
 * `||`, `;`, subshells, command substitutions, here-documents, variables set for a command, and
 * programs that run other programs (`bash -c`, `eval`, `xargs`, `env`, `sudo`, `nohup`,
 * `timeout`, `ssh`, `find -exec`, `kubectl exec`). Code it cannot see — `base64 -d | sh`,
 * `eval "$(…)"`, a program name held in a variable — has an unknown effect and is classified
 * destructive, so that a human looks at it. A line that does not parse is an error: refused.
 *
 * A command that carries a real credential (one of the secrets Airlock holds, or a bearer or
 * basic credential that is not an Airlock token) is an error too, with `rawCredential` set:
 * the agent found a credential that is not its own.
 *
 * @example
 * const result = await classifyShell(
 *   `curl -X POST -d '{"query":"mutation { volumeDelete(volumeId: \\"vol_1\\") }"}' https://backboard.railway.app/graphql/v2`,
 *   { workspace: '/home/me/app', protectedBranches: ['main'], secrets: [],
 *     upstreams: [{ name: 'railway', kind: 'graphql', url: 'https://backboard.railway.app/graphql/v2', hosts: [] }] },
 * );
 * // { ok: true, parts: [{ action: 'graphql:volumeDelete', class: 'destructive', resources: ['vol_1'], … }], upstreams: ['railway'], local: false }
 */
import type { OperationPart } from '../../core/operation.js';
import { Analysis } from './analysis.js';
import type { ShellContext } from './context.js';
import { findRawCredentials, type RawCredential } from './credentials.js';
import { analyseScript } from './walk.js';

export type { ShellContext, ShellUpstream, KnownSecret } from './context.js';
export { DEFAULT_PROTECTED_BRANCHES } from './context.js';
export type { RawCredential } from './credentials.js';
export { isAirlockToken } from './credentials.js';

export type ShellClassification =
  | {
      readonly ok: true;
      readonly parts: readonly OperationPart[];
      /** The guarded upstreams the command talks to (by URL, host or database). */
      readonly upstreams: readonly string[];
      /** True when every effect stays on this machine (files, local programs). */
      readonly local: boolean;
    }
  | { readonly ok: false; readonly error: string; readonly rawCredentials?: readonly RawCredential[] };

export async function classifyShell(command: string, context: ShellContext): Promise<ShellClassification> {
  const analysis = new Analysis(context);
  const cwd = context.cwd ?? context.workspace;
  if (command.trim() === '')
    return { ok: true, parts: [{ action: 'shell:empty', class: 'read', resources: [], why: 'an empty command runs nothing' }], upstreams: [], local: true };
  await analyseScript(command, { cwd, remote: false }, { kind: 'none' }, 0, analysis);

  const rawCredentials = await findRawCredentials(
    {
      text: command,
      values: analysis.values,
      authorizations: analysis.authorizations,
      userPasswords: analysis.userPasswords,
      tokens: analysis.tokens,
      assignments: analysis.assignments,
    },
    context.secrets,
  );
  if (rawCredentials.length > 0) {
    return {
      ok: false,
      error: `the command uses a credential that is not the agent's own: ${rawCredentials.map((c) => c.what).join('; ')}`,
      rawCredentials,
    };
  }
  if (analysis.failures.length > 0) return { ok: false, error: analysis.failures.join('; ') };

  const parts: OperationPart[] = analysis.parts.map(({ reach: _reach, upstream: _upstream, ...part }) => part);
  const upstreams = [...new Set(analysis.parts.flatMap((p) => (p.upstream ? [p.upstream] : [])))];
  return { ok: true, parts, upstreams, local: analysis.parts.every((p) => p.reach === 'local') };
}
