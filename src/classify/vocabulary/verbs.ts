import { inflections } from './words.js';

/**
 * Verbs, by what doing them does. Every list leans towards danger: a name wrongly read as
 * destructive is held for a human, which costs a minute; one wrongly read as a write may be
 * forwarded, which can cost the data.
 */

/**
 * Verbs that delete or irreversibly destroy data or infrastructure. `restore` is here because
 * restoring a backup overwrites what is there now; `exec` because a command run on a machine
 * can do anything, including delete its data.
 */
export const DESTRUCTIVE_VERBS = [
  'delete',
  'remove',
  'destroy',
  'drop',
  'purge',
  'wipe',
  'reset',
  'revoke',
  'detach',
  'disconnect',
  'erase',
  'truncate',
  'terminate',
  'unlink',
  'clear',
  'nuke',
  'shred',
  'expunge',
  'obliterate',
  'discard',
  'prune',
  'flush',
  'decommission',
  'deprovision',
  'uninstall',
  'undeploy',
  'teardown',
  'deregister',
  'unregister',
  'restore',
  'overwrite',
  'exec',
  'execute',
] as const;

/**
 * Short forms that only count as whole words (`rmVolume`, `delUser`, `mc rb`, `docker rmi`),
 * never as prefixes: `rm` must not make `rmq` destructive.
 */
export const DESTRUCTIVE_SHORT = ['rm', 'del', 'rb', 'rmi', 'rmdir', 'flushall', 'flushdb', 'unpublish', 'evict'] as const;

/** A destructive verb as a command says it: the imperative, a whole word. */
export const IMPERATIVES: ReadonlySet<string> = new Set([...DESTRUCTIVE_VERBS, ...DESTRUCTIVE_SHORT]);

/** Every form of a destructive verb, so that `deletion`, `removal` and `isDeleted` are recognised too. */
export const DESTRUCTIVE_WORDS: ReadonlySet<string> = new Set([
  ...DESTRUCTIVE_VERBS.flatMap(inflections),
  ...DESTRUCTIVE_SHORT,
  'deletion',
  'removal',
  'destruction',
  'revocation',
  'termination',
  'execution',
]);

/** A verb that undoes a destruction (`projectScheduleDeleteCancel`): it names one but stops it. */
export const UNDOING: ReadonlySet<string> = new Set(['cancel', 'undo', 'abort']);

/**
 * Verbs that hand out or change access whatever they act on: granting, impersonating,
 * suspending a user, sharing outside.
 */
export const PRIVILEGE_VERBS: ReadonlySet<string> = new Set([
  'grant',
  'impersonate',
  'assume',
  'elevate',
  'suspend',
  'unsuspend',
  'ban',
  'unban',
  'block',
  'unblock',
  'share',
  'unshare',
  'invite',
  'authorize',
  'deauthorize',
  'authenticate',
  'login',
  'logout',
  'chown',
  'chmod',
]);

/** Verbs that only read: a CLI subcommand or a tool named with one changes nothing. */
export const READ_VERBS: ReadonlySet<string> = new Set([
  'list',
  'ls',
  'get',
  'describe',
  'show',
  'status',
  'logs',
  'log',
  'view',
  'whoami',
  'info',
  'inspect',
  'version',
  'help',
  'top',
  'explain',
  'diff',
  'plan',
  'validate',
  'output',
  'search',
  'find',
  'query',
  'read',
  'fetch',
  'history',
  'check',
  'cat',
  'ps',
  'events',
  'lookup',
  'preview',
  'docs',
  'doctor',
  'ping',
  'outdated',
  'audit',
  'why',
  'can-i',
  'completion',
  'tree',
  'watch',
  'tail',
  'export',
  'count',
  'estimate',
  'lint',
  'test',
  'verify',
]);

/**
 * Words that destroy only when a command says them as its verb (`railway down`, `restic
 * forget`): in a GraphQL field or an MCP tool name they are too often something else
 * (`scaleDown`, `forgetPasswordEmail`).
 */
export const COMMAND_DESTRUCTIVE: ReadonlySet<string> = new Set(['down', 'forget']);

/** Reading verbs that show what exists without handing out its contents (a secret's name, not its value). */
export const LISTING_VERBS: ReadonlySet<string> = new Set(['list', 'ls', 'lookup', 'history', 'search', 'count', 'describe']);
