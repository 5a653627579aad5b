import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { HoldStatus } from '../../store/records.js';
import type { HoldView } from '../../holds/service.js';
import { readableRequest } from '../../holds/readable-request.js';
import { withAdmin } from '../context.js';
import { CliError, printJson, printTable } from '../output.js';

const STATUSES: readonly HoldStatus[] = ['pending', 'approved', 'scheduled', 'executed', 'denied', 'cancelled', 'expired', 'failed'];
const OPEN: HoldStatus[] = ['pending', 'approved', 'scheduled'];

function statusList(text: string): HoldStatus[] {
  const statuses = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const status of statuses) {
    if (!STATUSES.includes(status as HoldStatus)) throw new CliError(`--status ${status}: use one or more of ${STATUSES.join(', ')}`, 2);
  }
  return statuses as HoldStatus[];
}

function row(hold: HoldView) {
  return {
    id: hold.id,
    status: hold.status,
    agent: hold.agent,
    action: hold.operation.action,
    upstream: hold.operation.upstream,
    env: hold.operation.environment,
    approvals: `${hold.approvals.length}/${hold.needs.approvals}${hold.needs.secondFactor ? ' +code' : ''}`,
    when:
      hold.status === 'scheduled'
        ? `runs ${hold.runAt}`
        : hold.status === 'pending' || hold.status === 'approved'
          ? `expires ${hold.expiresAt}`
          : (hold.executedAt ?? '-'),
  };
}

/** A code from --code, from stdin with --code -, or asked for at a terminal. */
async function secondFactorCode(option: string | undefined, operator: string | undefined): Promise<string | undefined> {
  if (option === '-') {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.trim() || undefined;
  }
  if (option !== undefined) return option;
  if (!process.stdin.isTTY) return undefined;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(`second-factor code${operator ? ` of ${operator}` : ''} (from your authenticator app): `)).trim() || undefined;
  } finally {
    prompt.close();
  }
}

export function registerHold(program: Command): void {
  const hold = program.command('hold').description('review held operations: list, show, approve (with a second-factor code), deny, cancel');
  hold
    .command('list')
    .description('list holds; by default those still open (pending, approved, scheduled)')
    .option('--status <list>', `only these statuses, comma-separated (${STATUSES.join(', ')})`)
    .option('--all', 'every status')
    .option('--agent <name>', 'only this agent')
    .option('--limit <n>', 'at most this many', (v) => Number(v))
    .option('--json', 'print JSON')
    .action((options: { status?: string; all?: boolean; agent?: string; limit?: number; json?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        const status = options.status ? statusList(options.status) : options.all ? undefined : OPEN;
        const holds = await admin.listHolds({
          ...(status ? { status } : {}),
          ...(options.agent ? { agent: options.agent } : {}),
          ...(options.limit ? { limit: options.limit } : {}),
        });
        if (options.json) return printJson(holds);
        if (holds.length === 0) {
          process.stdout.write(options.all || options.status ? 'no holds\n' : 'no open holds (see all with: airlock hold list --all)\n');
          return;
        }
        printTable(holds.map(row), ['id', 'status', 'agent', 'action', 'upstream', 'env', 'approvals', 'when']);
      }),
    );
  hold
    .command('show <id>')
    .description('show one hold: the exact request, why it was held, who approved, what happened')
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        const detail = await admin.showHold({ id });
        if (options.json) return printJson(detail);
        const lines = [
          `hold ${detail.id}  ${detail.status.toUpperCase()}`,
          `  agent        ${detail.agent} (token ${detail.tokenId})`,
          `  operation    ${detail.operation.action} [${detail.operation.class}] on ${detail.operation.upstream ?? '-'} via ${detail.operation.door}`,
          `  environment  ${detail.operation.environment}`,
          `  resources    ${detail.operation.resources.join(', ') || '-'}`,
          `  why held     ${detail.reasons.join('; ')}`,
          `  needs        ${detail.needs.approvals} approval${detail.needs.approvals === 1 ? '' : 's'}${detail.needs.secondFactor ? ' with a second-factor code' : ''}${detail.needs.delaySeconds ? `, then a ${detail.needs.delaySeconds}s delay` : ''}`,
          `  approvals    ${detail.approvals.map((a) => `${a.operator} at ${a.at}${a.secondFactor ? ' (code)' : ''}`).join(', ') || 'none yet'}`,
          `  created      ${detail.createdAt}`,
          `  expires      ${detail.expiresAt}`,
          ...(detail.runAt ? [`  runs at      ${detail.runAt}`] : []),
          ...(detail.decidedBy ? [`  decided by   ${detail.decidedBy}: ${detail.decision ?? ''}`] : []),
          ...(detail.executedAt ? [`  executed     ${detail.executedAt}`] : []),
          ...(detail.outcome ? [`  outcome      ${JSON.stringify(detail.outcome)}`] : []),
          ...(detail.link ? [`  console      ${detail.link}`] : []),
          '',
          'the operation:',
          ...detail.operation.summary.split('\n').map((line) => `  ${line}`),
          '',
          "the exact request (the agent's token removed):",
          ...readableRequest(detail.request)
            .split('\n')
            .map((line) => `  ${line}`),
          ...(detail.deliveries.length
            ? [
                '',
                'notifications:',
                ...detail.deliveries.map((d) => `  ${d.webhook} ${d.event} ${d.status} after ${d.attempts} attempt(s)${d.lastError ? `: ${d.lastError}` : ''}`),
              ]
            : []),
        ];
        if (detail.status === 'pending') lines.push('', `approve: airlock hold approve ${detail.id}    deny: airlock hold deny ${detail.id} --reason "…"`);
        if (detail.status === 'scheduled') lines.push('', `cancel before it runs: airlock hold cancel ${detail.id}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
  hold
    .command('approve <id>')
    .description('approve a hold as an enrolled operator, with a current code from your authenticator app')
    .option('--code <code>', 'the six-digit code (or - to read it from stdin); asked for when omitted at a terminal')
    .option('--as <operator>', 'the enrolled operator approving (default: your user name)')
    .option('--json', 'print JSON')
    .action((id: string, options: { code?: string; as?: string; json?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        const code = await secondFactorCode(options.code, options.as);
        const {
          hold: approved,
          remaining,
          warning,
        } = await admin.approveHold({ id, ...(code ? { code } : {}), ...(options.as ? { operator: options.as } : {}) });
        if (options.json) return printJson({ hold: approved, remaining, ...(warning ? { warning } : {}) });
        const message =
          approved.status === 'pending'
            ? `approval recorded for hold ${approved.id}: ${approved.approvals.length} of ${approved.needs.approvals}; ${remaining} more operator${remaining === 1 ? '' : 's'} must approve`
            : approved.status === 'scheduled'
              ? `hold ${approved.id} APPROVED; Airlock runs it at ${approved.runAt} unless an operator cancels it first: airlock hold cancel ${approved.id}`
              : `hold ${approved.id} APPROVED; the agent's identical request runs once when it is sent again (until ${approved.expiresAt})`;
        process.stdout.write(`${message}\n`);
        if (warning) process.stderr.write(`warning: ${warning}\n`);
      }),
    );
  for (const [name, verb, description] of [
    ['deny', 'denied', 'refuse a hold for good; the agent is told it was denied'],
    ['cancel', 'cancelled', 'withdraw a hold; stops a scheduled operation before it runs'],
  ] as const) {
    hold
      .command(`${name} <id>`)
      .description(description)
      .option('--reason <text>', 'why (recorded, and told to the agent)')
      .option('--json', 'print JSON')
      .action((id: string, options: { reason?: string; json?: boolean }, command: Command) =>
        withAdmin(command, async (admin) => {
          const request = { id, ...(options.reason ? { reason: options.reason } : {}) };
          const closed = name === 'deny' ? await admin.denyHold(request) : await admin.cancelHold(request);
          if (options.json) return printJson(closed);
          process.stdout.write(`hold ${closed.id} ${verb} (${closed.decision})\n`);
        }),
      );
  }
  hold
    .command('deliveries')
    .description('webhook notifications: what was sent, what is being retried, what failed')
    .option('--hold <id>', 'only about this hold')
    .option('--failed', 'only those that failed')
    .option('--json', 'print JSON')
    .action((options: { hold?: string; failed?: boolean; json?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        const deliveries = await admin.listDeliveries({ ...(options.hold ? { holdId: options.hold } : {}), ...(options.failed ? { status: ['failed'] } : {}) });
        if (options.json) return printJson(deliveries);
        printTable(
          deliveries.map((d) => ({ ...d, error: d.lastError })),
          ['id', 'webhook', 'event', 'holdId', 'status', 'attempts', 'nextAttemptAt', 'error'],
        );
      }),
    );
}
