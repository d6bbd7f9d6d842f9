/**
 * A pool of jobs: the jobs table (a row each: state, epoch x of N, best
 * valid RMSE, workers; a click selects the job whose run the other views
 * show) and the pool's workers with the job each is on.
 */
import type { JobStatusView, PoolView } from '../shared/contract.ts';
import { ago, esc } from './format.ts';

/** What the pool as a whole is doing, for the title. */
export function poolStatus(pool: PoolView, finished: { readonly reason: string } | null, replaying: boolean): string {
  if (finished) return `finished (${finished.reason})`;
  if (replaying) return 'loading history…';
  if (pool.jobs.some((j) => j.state === 'training')) return 'training';
  if (pool.jobs.some((j) => j.state === 'waiting')) return 'waiting for workers';
  return pool.jobs.length > 0 ? 'every job ended' : 'no jobs yet';
}

/** The job the views show: the one chosen, while the pool has it, else the first. */
export function selectedJob(pool: PoolView, chosen: string | null): string | null {
  return chosen !== null && pool.jobs.some((j) => j.name === chosen) ? chosen : (pool.jobs[0]?.name ?? null);
}

/** Epoch x of N as a run shows it: the epoch in progress while training, else the epochs done. */
function epochOf(job: JobStatusView): string {
  const current = job.state === 'training' ? Math.min(job.maxEpochs, job.epochsDone + 1) : job.epochsDone;
  return `${current} of ${job.maxEpochs}`;
}

export function renderJobs(pool: PoolView, selected: string | null, body: HTMLTableSectionElement): void {
  body.innerHTML =
    pool.jobs.length === 0
      ? '<tr><td colspan="6">no jobs yet</td></tr>'
      : pool.jobs
          .map(
            (j) =>
              `<tr data-job="${esc(j.name)}"${j.name === selected ? ' class="selected"' : ''}><td>${esc(j.name)}</td><td>${esc(j.net)}</td><td class="state-${esc(j.state)}">${esc(j.state)}</td>` +
              `<td class="num">${epochOf(j)}</td><td class="num">${j.epochsDone > 0 ? `${j.bestValidRmsePx.toFixed(3)} px` : '–'}</td>` +
              `<td class="num">${j.workers}${j.state === 'waiting' ? ` (min ${j.minWorkers})` : ''}</td></tr>`,
          )
          .join('');
}

export function renderPoolWorkers(pool: PoolView, nowMs: number, body: HTMLTableSectionElement): void {
  body.innerHTML =
    pool.placements.length === 0
      ? '<tr><td colspan="6">no workers connected</td></tr>'
      : pool.placements
          .map((p) => {
            // Its status as its job's run knows it (a parked or moving worker is in none).
            const w = p.state === 'in-job' ? pool.runs[p.job]?.workers.find((m) => m.id === p.id) : undefined;
            const job = p.state === 'in-job' ? p.job : p.state === 'moving' ? `→ ${p.job || '?'}` : '–';
            const state = p.state === 'in-job' ? (w?.state ?? 'pending') : p.state;
            return (
              `<tr data-worker="${esc(p.id)}"><td>${esc(p.id)}</td><td>${esc(job)}</td><td>${w ? `${esc(w.backend)} / ${esc(w.device)}` : '–'}</td><td class="state-${esc(state)}">${esc(state)}</td>` +
              `<td class="num">${w && w.samplesPerSecond > 0 ? w.samplesPerSecond.toFixed(1) : '–'}</td><td class="num">${w ? ago(w.lastHeartbeatMs, nowMs) : '–'}</td></tr>`
            );
          })
          .join('');
}
