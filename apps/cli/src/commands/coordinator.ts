import { Command, Option } from 'commander';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_STEP_TIMEOUT_MS } from '@kfkd/coordinator/defaults';
import { DEFAULT_RING_MIN_WORKERS, TOPOLOGIES } from '@kfkd/coordinator/ring-plan';
import { addCoordinatorCredentialFlags } from '../credentials.ts';
import type { CoordinatorFlags } from '../coordinator-run.ts';
import { COORDINATOR_METRICS_LISTEN, metricsListenOption } from '../metrics-endpoint.ts';
import { exitCodeHelp } from '../failure.ts';
import { envName, integerOption, numberOption, stringOption } from '../options.ts';
import { addTrainingFlags } from '../training-setup.ts';

/** The coordinator's timeout defaults, in the flags' unit (seconds). */
const STEP_TIMEOUT_S = DEFAULT_STEP_TIMEOUT_MS / 1000;
const HEARTBEAT_TIMEOUT_S = DEFAULT_HEARTBEAT_TIMEOUT_MS / 1000;

/** The flags of a coordinator beyond those of a training run (also used by `kfkd local`). */
export function addCoordinatorFlags(command: Command, defaultListen: string, defaultMetricsListen: string): Command {
  return addPoolServiceFlags(command, defaultListen, defaultMetricsListen).addOption(
    new Option(
      '--resume-from <checkpoint>',
      'which checkpoint of --run-dir to resume: latest, or previous (checkpoint.kfkd.prev; the current file is set aside as .set-aside). ' +
        'A corrupt latest checkpoint is refused, never skipped silently',
    )
      .choices(['latest', 'previous'])
      .default('latest')
      .env(envName('--resume-from')),
  );
}

/** What serves the workers: where, how many a job waits for, the timeouts, the metrics (also `kfkd pipeline`'s pool, each job's minimum). */
export function addPoolServiceFlags(command: Command, defaultListen: string, defaultMetricsListen: string): Command {
  return command
    .addOption(stringOption('--listen <host:port>', 'where workers connect (port 0: any free port, printed at start)', defaultListen))
    .addOption(integerOption('--min-workers <n>', 'training waits while fewer workers are connected', 1, 1))
    .addOption(
      numberOption('--step-timeout <seconds>', `a worker that does not answer a task within this time is dropped (default ${STEP_TIMEOUT_S})`, (v) => v > 0, 'a positive number').default(STEP_TIMEOUT_S),
    )
    .addOption(
      numberOption('--heartbeat-timeout <seconds>', `an idle worker not heard from within this time is dropped (default ${HEARTBEAT_TIMEOUT_S})`, (v) => v > 0, 'a positive number').default(
        HEARTBEAT_TIMEOUT_S,
      ),
    )
    .addOption(
      new Option(
        '--topology <name>',
        "how a training step's gradients are summed: star (every worker sends its gradient to the coordinator, which sends every worker the parameters), " +
          "ring (through the workers, each adding its own: the coordinator's link carries one gradient in and one parameter vector out per step whatever the number of workers; " +
          "needs workers serving --peer-listen), or auto (ring from --ring-min-workers workers on; on 1 Gbit/s links the ring was 3x faster at 4 workers, " +
          'see the README). Validation takes the same way, its sums the losses alone. The sums are the same, bit for bit',
      )
        .choices(TOPOLOGIES)
        .default('auto')
        .env(envName('--topology')),
    )
    .addOption(integerOption('--ring-min-workers <n>', 'with --topology auto, rings from this many workers in a step on', DEFAULT_RING_MIN_WORKERS, 2))
    .addOption(metricsListenOption(defaultMetricsListen));
}

export function coordinatorCommand(): Command {
  const command = addTrainingFlags(
    new Command('coordinator').description(
      'Coordinate distributed training: serve workers (`kfkd worker`) over gRPC, run the synchronous training loop with them, ' +
        'checkpoint to the run directory every epoch and on SIGTERM (then exit 143; a restart with the same --run-dir resumes), and save the model as `kfkd train` does. ' +
        'A run directory whose run is finished (all epochs, or early stopping) makes a restart exit 0 at once, without training or saving again; more --epochs extend it. ' +
        'TLS with client certificates is on by default: pass --credentials DIR (the coordinator folder of `kfkd certs`), or let the first start create ' +
        '<run-dir>/credentials/ (reused on restart) and copy its worker and viewer folders to workers and dashboards. ' +
        'Every call carries a token: worker tokens may train and watch, viewer tokens only watch (token files are re-read when they change, so tokens rotate without a restart).',
    ),
  );
  return addCoordinatorCredentialFlags(addCoordinatorFlags(command, '0.0.0.0:50051', COORDINATOR_METRICS_LISTEN))
    .addHelpText('after', exitCodeHelp())
    .action(async (flags: CoordinatorFlags) => {
      const { runCoordinator } = await import('../coordinator-run.ts');
      process.exitCode = await runCoordinator(flags);
    });
}
