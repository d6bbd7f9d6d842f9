import { Command } from 'commander';
import { backendOption } from '../backend-flag.ts';
import { addCoordinatorCredentialFlags } from '../credentials.ts';
import { UsageError, exitCodeHelp } from '../failure.ts';
import type { LocalPipelineFlags } from '../local-run.ts';
import { COORDINATOR_METRICS_LISTEN } from '../metrics-endpoint.ts';
import { integerOption, stringOption } from '../options.ts';
import { addPoolServiceFlags } from './coordinator.ts';

const PIPELINE_HELP = `
What it runs, each job a run directory under --run-dir (exactly what \`kfkd coordinator\` makes):
  general/         the general net (--net), on all the workers
  specialist-1..6  the tutorial's six specialists, side by side on the pool
                   (eye centres; nose tip; mouth corners and top lip; bottom
                   lip; eye corners; eyebrows), each trained on the rows where
                   its keypoints are labelled, for int(4e6 / rows) epochs with
                   early stopping (patience 200), starting from the general
                   net's weights wherever shapes match (the output layer fresh)
  the merge        with --test: the specialists' predictions, the general net
                   for any other column (as \`kfkd predict --model ... --fallback\`):
                   --out (default <run-dir>/predictions.csv), --grid (default
                   <run-dir>/faces.png), and with --lookup the submission
                   (default <run-dir>/submission.csv)
  Workers are moved between the jobs at step boundaries (see the coordinator's
  README). Stopped by Ctrl-C or SIGTERM, every running job checkpoints after
  its step in flight; the same command again resumes each job where it stood
  and does not train a finished job again.

  kfkd pipeline --data training.csv --test test.csv --lookup IdLookupTable.csv --local-workers 2
  kfkd pipeline --net net1 --epochs 20 --specialist-epochs 10 --data training.csv --test test.csv --local-workers 2
`;

/** The credential flags a pipeline on this machine makes for itself (in <run-dir>/credentials). */
const CREDENTIAL_FLAGS = ['credentials', 'insecure', 'tlsSan', 'tokenFile', 'viewerTokenFile', 'tlsCert', 'tlsKey', 'tlsClientCa'] as const;

export function pipelineCommand(): Command {
  const command = new Command('pipeline')
    .description(
      "The tutorial's whole result on one pool of workers: the general net, then its six specialists side by side, then one merged " +
        'predictions CSV, face grid and Kaggle submission. Serves `kfkd worker`s as `kfkd coordinator` does (same flags, TLS and tokens), ' +
        'or, with --local-workers N, starts N workers on this machine as `kfkd local` does.',
    )
    .addOption(stringOption('--net <name>', 'the general net (net1..net7, final, tinyconv-test, ...); the specialists are <net>-specialist-1..6', 'final'))
    .addOption(stringOption('--data <file>', 'Kaggle-format training.csv (make one with `kfkd synth`)').makeOptionMandatory())
    .addOption(integerOption('--epochs <n>', "the general net's epochs; its schedules span them (default: the net's own, 3000 for final)", undefined, 1))
    .addOption(integerOption('--specialist-epochs <n>', "each specialist's epochs; schedules span them (default: int(4e6 / the rows it trains on))", undefined, 1))
    .addOption(integerOption('--batch <n>', 'batch size', 128, 1))
    .addOption(integerOption('--seed <n>', 'seed of the data split, initial weights, flips and dropout (every job)', 42))
    .addOption(stringOption('--run-dir <dir>', 'one run directory per job in it (general, specialist-1..6), and the merged outputs', 'runs/pipeline'))
    .addOption(stringOption('--test <file>', 'the faces the merged models predict: Kaggle test.csv, or any Kaggle-format file (without it, no merge)'))
    .addOption(stringOption('--out <file>', 'merged predictions CSV (default: <run-dir>/predictions.csv)'))
    .addOption(stringOption('--grid <png>', '4x4 grid of faces with the merged predictions (default: <run-dir>/faces.png)'))
    .addOption(stringOption('--lookup <file>', 'IdLookupTable.csv: also write the Kaggle submission'))
    .addOption(stringOption('--submission <file>', 'the Kaggle submission (default with --lookup: <run-dir>/submission.csv)'))
    .addOption(backendOption("the merge's (and with --local-workers the workers') "))
    .addOption(integerOption('--local-workers <n>', 'start this many workers on this machine, as `kfkd local` does (the pool listens on loopback, a port of its own, metrics off unless --metrics-listen is given)', undefined, 1));
  addPoolServiceFlags(command, '0.0.0.0:50051', COORDINATOR_METRICS_LISTEN);
  return addCoordinatorCredentialFlags(command)
    .addHelpText('after', PIPELINE_HELP + exitCodeHelp())
    .action(async (flags: LocalPipelineFlags, cmd: Command) => {
      const { localWorkers } = flags;
      if (localWorkers === undefined) {
        const { runPipeline } = await import('../pipeline-run.ts');
        process.exitCode = await runPipeline(flags);
        return;
      }
      const given = CREDENTIAL_FLAGS.filter((name) => cmd.getOptionValueSource(name) !== undefined && cmd.getOptionValueSource(name) !== 'default');
      if (given.length > 0) throw new UsageError(`--local-workers makes the pool's credentials in <run-dir>/credentials and hands them to its workers: drop ${given.map((n) => cmd.options.find((o) => o.attributeName() === n)!.long).join(', ')}`);
      // As `kfkd local`: loopback, any free port, no metrics unless asked.
      if (cmd.getOptionValueSource('listen') === 'default') flags.listen = '127.0.0.1:0';
      if (cmd.getOptionValueSource('metricsListen') === 'default') flags.metricsListen = 'off';
      const { runLocalPipeline } = await import('../local-run.ts');
      process.exitCode = await runLocalPipeline({ ...flags, localWorkers });
    });
}
