import type { OperationClass, OperationPart } from '../../core/operation.js';
import type { ShellContext } from './context.js';
import type { Word } from './words.js';

/** Where a command's effect lands: this machine, or something reached over the network. */
export type Reach = 'local' | 'remote';

export interface ShellPart extends OperationPart {
  readonly reach: Reach;
  /** The configured upstream the command talks to, when Airlock could tell. */
  readonly upstream?: string;
}

/** What a command reads on its standard input. */
export type Stdin =
  | { readonly kind: 'none' }
  | { readonly kind: 'static'; readonly text: string; readonly source: string }
  | { readonly kind: 'dynamic'; readonly source: string };

export interface Redirect {
  readonly op: string;
  readonly fd: string | undefined;
  readonly target: Word | undefined;
}

export interface Env {
  /** Current directory; undefined once a `cd` to somewhere unknown has run. */
  cwd: string | undefined;
  /** On another machine (`ssh host cmd`): no path there is in the workspace. */
  readonly remote: boolean;
}

export interface Invocation {
  readonly argv: readonly Word[];
  readonly assignments: readonly { readonly name: string; readonly value: Word }[];
  readonly redirects: readonly Redirect[];
  readonly stdin: Stdin;
  /** What the command prints, when that is known before it runs (`echo 'rm -rf /'`). */
  readonly output?: Stdin;
  /** The command as written, for the audit record. */
  readonly text: string;
  readonly env: Env;
  readonly depth: number;
}

/** Everything found while walking one command line. */
export class Analysis {
  readonly parts: ShellPart[] = [];
  readonly values: string[] = [];
  readonly authorizations: string[] = [];
  readonly userPasswords: string[] = [];
  readonly tokens: string[] = [];
  readonly assignments: { name: string; value: string }[] = [];
  /**
   * Files the command line writes before it may run them (`echo 'rm -rf /' > x.sh; bash x.sh`),
   * by resolved path: their text when known, undefined when only known at run time.
   */
  readonly files = new Map<string, string | undefined>();
  /** Reasons the command line cannot be classified at all (refused, not held). */
  readonly failures: string[] = [];
  /** Scripts read so far (the line itself, then each nested one) and the commands in them. */
  scripts = 0;
  commands = 0;

  constructor(readonly context: ShellContext) {}

  add(part: ShellPart): void {
    this.parts.push(part);
  }
}

export interface PartInput {
  readonly action: string;
  readonly class: OperationClass;
  readonly resources?: readonly string[];
  readonly why?: string;
  readonly reach?: Reach;
  readonly upstream?: string;
  readonly text?: string;
}

export const UNKNOWN = 'effect unknown';
