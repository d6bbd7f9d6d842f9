import { Command, Option } from 'commander';
import { backendOption } from '../backend-flag.ts';
import { exitCodeHelp } from '../failure.ts';
import { integerOption, stringOption } from '../options.ts';
import { addTrainingFlags } from '../training-setup.ts';
import type { LocalFlags } from '../local-run.ts';
import { addCoordinatorFlags } from './coordinator.ts';

export function localCommand(): Command {
  const command = addTrainingFlags(
    new Command('local').description(
      'Distributed training on this machine: start a coordinator and N workers as child processes on loopback ' +
        '(with a fresh shared token), print the epoch table, forward Ctrl-C, and stop them all at the end. ' +
        "Exits with the coordinator's code; if a worker fails, stops the run and exits with the worker's code; Ctrl-C or SIGTERM stops them all (the coordinator checkpoints) and exits 130 or 143. " +
        'Metrics are off unless --metrics-listen HOST:PORT is given: then the coordinator serves them there and worker i on PORT+i (port 0: each a free port, logged).',
    ),
  )
    .addOption(integerOption('--workers <n>', 'number of worker processes', 2, 1))
    .addOption(backendOption("the workers' "))
    .addOption(new Option('--no-dashboard', 'do not start the live dashboard'))
    .addOption(stringOption('--dashboard-listen <host:port>', 'where the dashboard serves its page (port 0: any free port; its URL is printed)', '127.0.0.1:0'));
  addCoordinatorFlags(command, '127.0.0.1:0', 'off');
  return command.addHelpText('after', exitCodeHelp()).action(async (flags: LocalFlags, cmd: Command) => {
    // --min-workers defaults to all of them here, so every worker takes part from the first step.
    if (cmd.getOptionValueSource('minWorkers') === 'default') flags.minWorkers = flags.workers;
    const { runLocal } = await import('../local-run.ts');
    process.exitCode = await runLocal(flags);
  });
}
