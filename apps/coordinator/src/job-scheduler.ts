/**
 * Which job of a pool each worker computes for: pure decisions (the job
 * router carries them out: job-router.ts).
 *
 * The policy:
 * - A job's share follows its remaining work (remaining epochs x training
 *   rows): after minimums, each further worker goes to the job with the
 *   most remaining work per worker it would have (work / (workers + 1), the
 *   D'Hondt rule; ties to the job added first). So counts are proportional
 *   to remaining work as far as whole workers allow, and one more worker
 *   never takes a worker from any job (no moves when a worker joins).
 * - Minimums first: to the jobs already computing (a job that runs is never
 *   stopped for one that waits: no preemption), then to the jobs with the
 *   most remaining work per minimum worker (ties to the job added first):
 *   the longest jobs start first, so with fewer workers than jobs the pool
 *   ends sooner. A job gets its
 *   --min-workers in full or none (a job below its minimum waits, and would
 *   only hold idle workers). One more worker takes no worker from any job,
 *   except when it lets a waiting job's minimum fit.
 * - A job gets at most `maxWorkers` (a step's batch cannot use more).
 * - Workers are only moved to fill a job's shortfall, parked (unassigned)
 *   workers first, then the surplus of jobs above their share, newest
 *   first; a surplus with no shortfall to fill stays where it computes.
 *   Shares are recomputed when a job is added or ends and when a worker
 *   joins or leaves, never as remaining work shrinks step by step (a move
 *   costs a shard shipment and a step boundary).
 */

/** What a job asks of the pool. */
export interface JobDemand {
  readonly job: string;
  /** Remaining epochs x training rows; 0 for a job that is over (it gets no worker). */
  readonly remainingWork: number;
  readonly minWorkers: number;
  /** Most workers the job can use (default: no limit). */
  readonly maxWorkers?: number;
}

/** A worker to take from one job (null: parked) to another. */
export interface Move {
  readonly worker: string;
  readonly from: string | null;
  readonly to: string;
}

/**
 * How many workers each job should have out of `workers` (jobs in the order
 * they were added; jobs over get 0). `current`: the workers each job has
 * now; a job that has its minimum keeps it.
 */
export function targetCounts(jobs: readonly JobDemand[], workers: number, current: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const counts = new Map(jobs.map((j) => [j.job, 0]));
  let free = workers;
  const served: JobDemand[] = [];
  const running = (j: JobDemand): number => ((current.get(j.job) ?? 0) >= Math.max(1, j.minWorkers) ? 1 : 0);
  const byWorkPerMinimum = [...jobs].sort((a, b) => running(b) - running(a) || b.remainingWork / Math.max(1, b.minWorkers) - a.remainingWork / Math.max(1, a.minWorkers));
  for (const job of byWorkPerMinimum) {
    if (job.remainingWork <= 0) continue;
    const need = Math.max(1, job.minWorkers);
    if (need > free || need > (job.maxWorkers ?? Infinity)) continue;
    counts.set(job.job, need);
    free -= need;
    served.push(job);
  }
  for (; free > 0; free--) {
    let best: JobDemand | null = null;
    let bestQuotient = -1;
    for (const job of served) {
      const n = counts.get(job.job)!;
      if (n >= (job.maxWorkers ?? Infinity)) continue;
      const quotient = job.remainingWork / (n + 1);
      // Strictly greater: ties go to the job added first (served keeps the minimums' order, so compare positions).
      if (quotient > bestQuotient || (quotient === bestQuotient && best !== null && jobs.indexOf(job) < jobs.indexOf(best))) {
        best = job;
        bestQuotient = quotient;
      }
    }
    if (!best) break;
    counts.set(best.job, counts.get(best.job)! + 1);
  }
  return counts;
}

/**
 * The moves that fill every job's shortfall against `targets`:
 * `assignment` is each worker's job (null: parked), in the order the
 * workers joined. Parked workers go first, then the newest workers of jobs
 * above their target (and of jobs no longer in `targets`).
 */
export function rebalance(assignment: ReadonlyMap<string, string | null>, targets: ReadonlyMap<string, number>): Move[] {
  const have = countsOf(assignment);
  const shortfalls: string[] = [];
  for (const [job, target] of targets) for (let n = have.get(job) ?? 0; n < target; n++) shortfalls.push(job);
  if (shortfalls.length === 0) return [];
  const donors: { worker: string; from: string | null }[] = [];
  for (const [worker, job] of assignment) if (job === null) donors.push({ worker, from: null });
  const surplus = new Map<string, number>();
  for (const [job, n] of have) if (n > (targets.get(job) ?? 0)) surplus.set(job, n - (targets.get(job) ?? 0));
  for (const [worker, job] of [...assignment].reverse()) {
    const left = job === null ? 0 : (surplus.get(job) ?? 0);
    if (left <= 0) continue;
    surplus.set(job!, left - 1);
    donors.push({ worker, from: job });
  }
  return shortfalls.slice(0, donors.length).map((to, i) => ({ ...donors[i]!, to }));
}

/**
 * Where a worker that joins goes: the first job (in the order added) below
 * its target once this worker counts; null (parked) when no job needs one.
 * `assignment` holds the other workers (in transit ones at their destination).
 */
export function placeJoiner(jobs: readonly JobDemand[], assignment: ReadonlyMap<string, string | null>): string | null {
  const have = countsOf(assignment);
  const targets = targetCounts(jobs, assignment.size + 1, have);
  for (const [job, target] of targets) if ((have.get(job) ?? 0) < target) return job;
  return null;
}

/** Workers per job of an assignment (parked ones not counted). */
export function countsOf(assignment: ReadonlyMap<string, string | null>): Map<string, number> {
  const have = new Map<string, number>();
  for (const job of assignment.values()) if (job !== null) have.set(job, (have.get(job) ?? 0) + 1);
  return have;
}
