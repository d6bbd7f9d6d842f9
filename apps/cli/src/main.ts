import { Command } from 'commander';
import { inspectCommand } from './commands/inspect.ts';
import { synthCommand } from './commands/synth.ts';
import { reportFailure } from './failure.ts';

const program = new Command('kfkd')
  .description('Train the facial-keypoint CNNs of the Kaggle Facial Keypoints tutorial, on one machine or across GPU nodes.')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(synthCommand())
  .addCommand(inspectCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFailure(error);
}
