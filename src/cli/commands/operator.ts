import type { Command } from 'commander';
import qrcode from 'qrcode-terminal';
import { setOperatorPassword, OperatorError } from '../../identity/operators.js';
import { loadSecretKey } from '../../identity/secret-box.js';
import { operatorContext } from '../../holds/service.js';
import { adminUrlOf, configOf, withAdmin, withRuntime } from '../context.js';
import { CliError, printJson, printTable } from '../output.js';

function qr(text: string): Promise<string> {
  return new Promise((resolve) => qrcode.generate(text, { small: true }, resolve));
}

export function registerOperator(program: Command): void {
  const operator = program.command('operator').description('the humans who approve holds, each with a second factor (TOTP)');
  operator
    .command('add <name>')
    .description('enrol an operator: prints the QR code (and otpauth:// URI) to scan into an authenticator app')
    .option('--json', 'print JSON (name, secret, uri) instead of the QR code')
    .action((name: string, options: { json?: boolean }, command: Command) => {
      if (!adminUrlOf(process.env)) {
        // Say where the sealing key comes from before the secret is sealed with it.
        loadSecretKey(configOf(command).dataDir, { warn: (message) => process.stderr.write(`warning: ${message}\n`) });
      }
      return withAdmin(command, async (admin) => {
        const enrolment = await admin.addOperator({ name });
        if (options.json) return printJson({ name: enrolment.operator.name, secret: enrolment.secret, uri: enrolment.uri });
        process.stdout.write(
          `Operator ${name} enrolled. Scan this with an authenticator app (Google Authenticator, 1Password, Authy, …):\n\n` +
            `${await qr(enrolment.uri)}\n` +
            `or enter the key by hand: ${enrolment.secret}\n` +
            `URI: ${enrolment.uri}\n\n` +
            'This is the only time the key is shown. Approve holds with: airlock hold approve HOLD_ID --as ' +
            `${name}\n`,
        );
      });
    });
  operator
    .command('list')
    .description('list enrolled operators')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        const operators = await admin.listOperators();
        if (options.json) return printJson(operators);
        if (operators.length === 0) return void process.stdout.write('no operators yet; enrol one with: airlock operator add NAME\n');
        printTable(
          operators.map((o) => ({ ...o })),
          ['name', 'createdAt', 'lastApprovalAt', 'hasPassword'],
        );
      }),
    );
  operator
    .command('remove <name>')
    .description('remove an operator; their second factor stops working at once')
    .action((name: string, _options: unknown, command: Command) =>
      withAdmin(command, async (admin) => {
        await admin.removeOperator({ name });
        process.stdout.write(`operator ${name} removed\n`);
      }),
    );
  operator
    .command('password <name>')
    .description("set an operator's console password, read from stdin (at least 12 characters); --clear removes it")
    .option('--clear', 'remove the password (the operator can no longer sign in to the console)')
    .action((name: string, options: { clear?: boolean }, command: Command) =>
      withRuntime(command, async (runtime) => {
        let password: string | undefined;
        if (!options.clear) {
          let text = '';
          for await (const chunk of process.stdin) text += chunk;
          password = text.replace(/\r?\n$/, '');
          if (!password) throw new CliError(`pipe the password in, e.g.: read -rs PW && printf %s "$PW" | airlock operator password ${name}`, 2);
        }
        try {
          await setOperatorPassword(operatorContext(runtime), name, password);
        } catch (error) {
          if (error instanceof OperatorError) throw new CliError(error.message);
          throw error;
        }
        await runtime.audit.append({ type: options.clear ? 'operator.password_cleared' : 'operator.password_set', operator: name });
        process.stdout.write(`console password of ${name} ${options.clear ? 'removed' : 'set'}\n`);
      }),
    );
}
