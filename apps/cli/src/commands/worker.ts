import { Command } from 'commander';
import { backendOption } from '../backend-flag.ts';
import { coordinatorAddressOption } from '../cluster-flags.ts';
import { addClientCredentialFlags } from '../credentials.ts';
import { WORKER_METRICS_LISTEN, metricsListenOption } from '../metrics-endpoint.ts';
import { exitCodeHelp } from '../failure.ts';
import { numberOption, stringOption } from '../options.ts';
import { peerAdvertiseOption, peerListenOption } from '../peer-flags.ts';
import type { WorkerFlags } from '../worker-run.ts';

export function workerCommand(): Command {
  const command = new Command('worker')
    .description(
      'Compute gradients for a coordinator (`kfkd coordinator`): join it, receive a shard of the data, compute the tasks it sends, ' +
        'and reconnect with backoff when it goes away or is not up yet. The worker exits 0 when the coordinator says the run is over; ' +
        'a refusal retrying cannot fix (wrong token, a viewer token, other protocol version, TLS handshake refused) ends it with exit code 3 and one line saying why; ' +
        'SIGTERM makes it leave the run and exit 143. TLS is on by default: pass --credentials DIR (the worker folder), or --insecure for plaintext. ' +
        'For ring steps (gradients summed through the workers) it also serves the other workers at --peer-listen. ' +
        'Run one worker per GPU, each with its own CUDA_VISIBLE_DEVICES ' +
        '(e.g. CUDA_VISIBLE_DEVICES=1 kfkd worker --coordinator host:50051 --backend tensorflow-gpu --credentials worker --id host-gpu1).',
    )
    .addOption(coordinatorAddressOption())
    .addOption(backendOption())
    .addOption(stringOption('--id <name>', 'stable name of this worker (default: <hostname>-<pid>)'));
  return addClientCredentialFlags(command, 'worker')
    .addOption(peerListenOption())
    .addOption(peerAdvertiseOption())
    .addOption(metricsListenOption(WORKER_METRICS_LISTEN))
    .addOption(
      numberOption(
        '--liveness-timeout <seconds>',
        "/livez fails (503) when the worker's main thread has not checked in for this long; it checks in every second and at each step, and a long step does not count against it",
        (v) => v > 0,
        'a positive number',
      ).default(600),
    )
    .addHelpText('after', exitCodeHelp())
    .action(async (flags: WorkerFlags) => {
      const { runWorker } = await import('../worker-run.ts');
      process.exitCode = await runWorker(flags);
    });
}
