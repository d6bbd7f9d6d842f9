import { Command } from 'commander';
import { certsCommand } from './commands/certs.ts';
import { coordinatorCommand } from './commands/coordinator.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { inspectCommand } from './commands/inspect.ts';
import { localCommand } from './commands/local.ts';
import { pipelineCommand } from './commands/pipeline.ts';
import { plotCommand } from './commands/plot.ts';
import { predictCommand } from './commands/predict.ts';
import { synthCommand } from './commands/synth.ts';
import { trainCommand } from './commands/train.ts';
import { workerCommand } from './commands/worker.ts';
import { exitCodeHelp, reportFailure } from './failure.ts';

// `kfkd inspect x.csv | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command('kfkd')
  .description('Train the facial-keypoint CNNs of the Kaggle Facial Keypoints tutorial, on one machine or across GPU nodes.')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(synthCommand())
  .addCommand(inspectCommand())
  .addCommand(plotCommand())
  .addCommand(trainCommand())
  .addCommand(predictCommand())
  .addCommand(coordinatorCommand())
  .addCommand(workerCommand())
  .addCommand(localCommand())
  .addCommand(pipelineCommand())
  .addCommand(dashboardCommand())
  .addCommand(certsCommand())
  .addHelpText('after', exitCodeHelp());

// Commander's own errors (unknown flag, missing value, no command) come back
// as CommanderErrors, so that they exit 2 like every usage error (failure.ts).
for (const command of [program, ...program.commands]) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFailure(error);
}
// Every command has finished its work (and awaited its writes) by now; the
// multi-threaded wasm backend's worker threads would keep the process alive.
process.exit(process.exitCode ?? 0);
