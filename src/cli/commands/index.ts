import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every top-level command, with the modules that define it, loaded only when that command runs:
 * `airlock hook` runs before every tool call an agent makes, and must not pay for loading the
 * policy engine, the parsers and the console.
 */
export const COMMANDS: readonly { readonly names: readonly string[]; readonly summary: string; load(): Promise<Register[]> }[] = [
  { names: ['start'], summary: 'run Airlock: the doors, the decision API and the console', load: async () => [(await import('./start.js')).registerStart] },
  { names: ['demo'], summary: 'see Airlock at work, with nothing to set up', load: async () => [(await import('./demo.js')).registerDemo] },
  {
    names: ['config'],
    summary: 'write a starting config (config init) and check one (config check)',
    load: async () => [(await import('./config.js')).registerConfig],
  },
  { names: ['agent'], summary: 'manage agents: the non-human principals that hold tokens', load: async () => [(await import('./agent.js')).registerAgent] },
  { names: ['token'], summary: 'issue, list and revoke agent tokens', load: async () => [(await import('./token.js')).registerToken] },
  { names: ['hold'], summary: 'review held operations: list, show, approve, deny, cancel', load: async () => [(await import('./hold.js')).registerHold] },
  {
    names: ['operator'],
    summary: 'the humans who approve holds, each with a second factor (TOTP)',
    load: async () => [(await import('./operator.js')).registerOperator, (await import('./operator-key.js')).registerOperatorKey],
  },
  {
    names: ['stop'],
    summary: 'EMERGENCY STOP: refuse everything one agent (or every agent) asks, at every door',
    load: async () => [(await import('./stop.js')).registerStop],
  },
  { names: ['resume'], summary: 'lift an emergency stop', load: async () => [(await import('./stop.js')).registerStop] },
  { names: ['freeze'], summary: 'freeze windows: only reads pass while one is open', load: async () => [(await import('./freeze.js')).registerFreeze] },
  {
    names: ['policy'],
    summary: 'Cedar policies: check them, see the schema and the built-in rules',
    load: async () => [(await import('./policy.js')).registerPolicy],
  },
  {
    names: ['explain'],
    summary: 'show what Airlock would decide for an operation, and why',
    load: async () => [(await import('./explain.js')).registerExplain],
  },
  { names: ['audit'], summary: 'the tamper-evident record: tail, verify, export', load: async () => [(await import('./audit.js')).registerAudit] },
  { names: ['baseline'], summary: 'what Airlock has learned an agent normally does', load: async () => [(await import('./baseline.js')).registerBaseline] },
  {
    names: ['classify'],
    summary: 'show how Airlock classifies a GraphQL or REST request, SQL, a shell command or an AWS operation',
    load: async () => [
      (await import('./classify-graphql.js')).registerClassifyGraphQL,
      (await import('./classify-rest.js')).registerClassifyRest,
      (await import('./classify-sql.js')).registerClassifySql,
      (await import('./classify-mcp.js')).registerClassifyMcp,
      (await import('./classify-shell.js')).registerClassifyShell,
      (await import('./classify-aws.js')).registerClassifyAws,
    ],
  },
  { names: ['hook'], summary: "judge a coding agent's tool call, as its harness's hook", load: async () => [(await import('./hook.js')).registerHook] },
  {
    names: ['init'],
    summary: "add Airlock's hook to a coding agent's settings (init <harness>), or write its sandbox's environment (init sandbox)",
    load: async () => [(await import('./init.js')).registerInit],
  },
  {
    names: ['doctor'],
    summary: "check the agent's side: Airlock answers, the token is accepted, each installed hook runs",
    load: async () => [(await import('./doctor.js')).registerDoctor],
  },
  { names: ['mcp'], summary: 'bridge a local stdio MCP client to a running Airlock', load: async () => [(await import('./mcp.js')).registerMcp] },
  {
    names: ['ca'],
    summary: "the egress door's CA: export the certificate sandboxes trust, or rotate it",
    load: async () => [(await import('./ca.js')).registerCa],
  },
  {
    names: ['store'],
    summary: 'where Airlock keeps its state: move a SQLite store to PostgreSQL',
    load: async () => [(await import('./store.js')).registerStore],
  },
  { names: ['scan'], summary: 'find raw credentials an agent could use to go around Airlock', load: async () => [(await import('./scan.js')).registerScan] },
];
