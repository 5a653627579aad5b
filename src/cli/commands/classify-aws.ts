import type { Command } from 'commander';
import { awsServices, classifyAwsOperation } from '../../classify/aws/index.js';
import { CliError, printJson, printTable } from '../output.js';

/**
 * `airlock classify aws`: the class of an AWS operation as the AWS door judges it, or of every
 * operation of a service — the table an operator reviews before putting an account behind Airlock.
 */
export function registerClassifyAws(program: Command): void {
  const group =
    program.commands.find((command) => command.name() === 'classify') ??
    program.command('classify').description('show how Airlock classifies a request, without sending it anywhere');
  group
    .command('aws')
    .description('classify an AWS operation (SERVICE OPERATION), or list every operation of a service with its class')
    .argument('<service>', `one of ${[...awsServices().keys()].join(', ')}`)
    .argument('[operation]', "the operation's name in the service model, e.g. DeleteBucket")
    .option('--json', 'print JSON')
    .addHelpText('after', ['', 'Examples:', '  airlock classify aws s3 DeleteBucket', '  airlock classify aws iam --json', ''].join('\n'))
    .action((serviceName: string, operation: string | undefined, options: { json?: boolean }) => {
      const service = awsServices().get(serviceName);
      if (!service) throw new CliError(`Airlock has no model of the AWS service ${serviceName} (it knows ${[...awsServices().keys()].join(', ')})`, 2);
      const names = operation ? [operation] : Object.keys(service.operations);
      for (const name of names) {
        if (!Object.hasOwn(service.operations, name)) throw new CliError(`${serviceName} has no operation ${name}; Airlock would refuse it`);
      }
      const rows = names.map((name) => {
        const ruling = classifyAwsOperation(service, name);
        return { class: ruling.class, action: `aws:${service.name}:${name}`, why: ruling.why };
      });
      if (options.json) return printJson(rows);
      printTable(rows, ['class', 'action', 'why']);
    });
}
