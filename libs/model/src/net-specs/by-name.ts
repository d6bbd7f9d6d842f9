/** A net spec by name: a net of the catalogue or '<net>-specialist-<n>'. */
import { UnknownNetError } from '../errors.ts';
import { catalogueNet, knownNetNames } from './catalogue.ts';
import { SPECIALIST_GROUPS, specialistSpec } from './specialists.ts';
import type { NetSpec } from './types.ts';

const SPECIALIST_NAME = /^(.+)-specialist-(\d+)$/;

/**
 * The spec of a known net ('net1'..'net7', 'final', 'tinyconv-test') or of a
 * specialist named '<net>-specialist-<1..6>' (max_epochs then still needs the
 * row count: see withTrainingRows). Returns a fresh object each call.
 * @throws UnknownNetError
 */
export function netSpec(name: string): NetSpec {
  const net = catalogueNet(name);
  if (net) return net;
  const m = SPECIALIST_NAME.exec(name);
  if (m) {
    const group = Number(m[2]);
    const base = group >= 1 && group <= SPECIALIST_GROUPS.length ? catalogueNet(m[1]) : undefined;
    if (base) return specialistSpec(base, group);
  }
  throw new UnknownNetError(name, knownNetNames());
}
