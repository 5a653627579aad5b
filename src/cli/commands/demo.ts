import type { Command } from 'commander';
import { runIncidentDemo } from '../../demo/incident.js';
import { CliError } from '../output.js';

/** `airlock demo incident`: the incident replay (also `npm run demo`). Needs no config. */
export function registerDemo(program: Command): void {
  const demo = program.command('demo').description('see Airlock at work, with nothing to set up');
  demo
    .command('incident')
    .description('replay the volumeDelete incident against a stand-in cloud API: once with the raw token, once through Airlock')
    .action(async () => {
      const result = await runIncidentDemo(process.stdout);
      if (!result.held || !result.intact) throw new CliError('the replay did not end as it should: the call was not held, or the volume was not intact');
    });
}
