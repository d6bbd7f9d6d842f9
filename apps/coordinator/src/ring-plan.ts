/**
 * Which topology a round takes, and the ring of a ring round (pure). In a
 * ring round the workers pass the parameters and the running sum (of the
 * gradient and loss; of the loss alone in a validation round) along a chain
 * (RingRole in kfkd.proto): the coordinator sends one parameter vector out
 * and takes one gradient in per step, whatever the number of workers,
 * instead of one of each per worker.
 *
 * The ring's order is the order in which a star round's parts are summed
 * (by the first batch position of their rows), and each worker adds its own
 * part in float32, so a ring round's sum equals the star's bit for bit.
 */
import type { WorkItem } from './step-job.ts';

/** `--topology`: star (every gradient to the coordinator), ring, or auto (ring from `ringMinWorkers` workers on). */
export type Topology = 'star' | 'ring' | 'auto';
export const TOPOLOGIES = ['star', 'ring', 'auto'] as const satisfies readonly Topology[];

/**
 * Under 'auto', the fewest workers of a ring round. The emulated-cluster
 * bench (bench/scale.ts, net2) measured the ring 1.8x faster than the star
 * at 2 workers on 1 Gbit/s links but level on 5 Gbit/s and slower unshaped,
 * and faster at every link rate it shapes from 4 workers on (3.3x and 1.2x
 * on 1 and 5 Gbit/s); the README has the table.
 */
export const DEFAULT_RING_MIN_WORKERS = 4;

/** A worker of a round: its rows and where it serves the Peer service. */
export interface RoundMember {
  readonly worker: string;
  readonly items: readonly WorkItem[];
  /** Absent: it cannot take part in a ring. */
  readonly peerAddress?: string;
}

export interface RingPlan {
  /** In ring order: parameters and sums flow from the first to the last, which reports to the coordinator. */
  readonly members: readonly (RoundMember & { readonly peerAddress: string; readonly firstPosition: number })[];
  /** Rows of the whole ring. */
  readonly totalCount: number;
  /** Smallest batch position of the ring's rows. */
  readonly firstPosition: number;
}

export type TopologyChoice = { readonly kind: 'ring'; readonly ring: RingPlan } | { readonly kind: 'star'; readonly why: string };

/**
 * The topology of a round (training or validation) of `members` (each with
 * rows) under `topology`: a ring needs at least 2 workers (`ringMinWorkers`
 * under auto), every one of them serving the Peer service.
 */
export function chooseTopology(topology: Topology, members: readonly RoundMember[], ringMinWorkers: number): TopologyChoice {
  if (topology === 'star') return { kind: 'star', why: '--topology star' };
  const least = topology === 'ring' ? 2 : Math.max(2, ringMinWorkers);
  if (members.length < least) return { kind: 'star', why: `${members.length} worker${members.length === 1 ? '' : 's'} in the round, a ring needs ${least}` };
  const without = members.filter((m) => !m.peerAddress).map((m) => m.worker);
  if (without.length > 0) return { kind: 'star', why: `no peer address from ${without.join(', ')}` };
  const ordered = members
    .map((m) => ({ ...m, peerAddress: m.peerAddress!, firstPosition: Math.min(...m.items.map((i) => i.position)) }))
    .sort((a, b) => a.firstPosition - b.firstPosition);
  return {
    kind: 'ring',
    ring: { members: ordered, totalCount: ordered.reduce((n, m) => n + m.items.length, 0), firstPosition: ordered[0].firstPosition },
  };
}
