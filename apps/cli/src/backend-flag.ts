/** `--backend`, shared by the commands that compute (train, predict, worker, local). */
import { Option } from 'commander';
import { BACKEND_CHOICES, BACKEND_HELP } from '@kfkd/model/backend-choice';
import { envName } from './options.ts';

/** `whose`: e.g. "the workers' " for `kfkd local`, which passes it on. */
export function backendOption(whose = ''): Option {
  return new Option('--backend <name>', `${whose}${BACKEND_HELP}`).choices(BACKEND_CHOICES).default('auto').env(envName('--backend'));
}
