import { Command, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '@kfkd/model/backend-choice';
import { tlsKeyOption, tokenFileOption } from '../cluster-flags.ts';
import { credentialsOption, insecureOption } from '../credentials.ts';
import { WORKER_METRICS_LISTEN, metricsListenOption } from '../metrics-endpoint.ts';
import { envName, stringOption } from '../options.ts';

export interface WorkerFlags {
  coordinator: string;
  backend: BackendChoice;
  id?: string;
  metricsListen: string;
  credentials?: string;
  insecure?: boolean;
  tokenFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description(
      'Compute gradients for a coordinator (`kfkd coordinator`): join it, receive a shard of the data, compute the tasks it sends, ' +
        'and reconnect with backoff when it goes away or is not up yet. A refusal retrying cannot fix (wrong token, a viewer token, other protocol version, TLS handshake refused) ' +
        'ends the worker with one line saying why. TLS is on by default: pass --credentials DIR (the worker folder), or --insecure for plaintext. Run one worker per GPU, each with its own CUDA_VISIBLE_DEVICES ' +
        '(e.g. CUDA_VISIBLE_DEVICES=1 kfkd worker --coordinator host:50051 --backend tensorflow --id host-gpu1).',
    )
    .addOption(stringOption('--coordinator <host:port>', 'address of the coordinator').makeOptionMandatory())
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKEND_CHOICES).default('auto').env(envName('--backend')))
    .addOption(stringOption('--id <name>', 'stable name of this worker (default: <hostname>-<pid>)'))
    .addOption(credentialsOption('worker'))
    .addOption(insecureOption())
    .addOption(tokenFileOption())
    .addOption(stringOption('--tls-ca <file>', 'PEM CA bundle: connect over TLS, trusting the coordinator certificates it signed'))
    .addOption(stringOption('--tls-cert <file>', 'PEM client certificate, for a coordinator that requires one (with --tls-key)'))
    .addOption(tlsKeyOption())
    .addOption(metricsListenOption(WORKER_METRICS_LISTEN))
    .action(async (flags: WorkerFlags) => {
      const { runWorker } = await import('../worker-run.ts');
      await runWorker(flags);
    });
}
