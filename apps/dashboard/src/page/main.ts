/**
 * The dashboard page: transport (socket.ts) -> state (the shared reducer) ->
 * views. Redraws at most once per animation frame; the clocks tick every second.
 */
import type { DashboardState, RunState, ServerMessage } from '../shared/contract.ts';
import { EMPTY_RUN, applyEvent, emptyState } from '../shared/state.ts';
import { EpochTable } from './epoch-table.ts';
import { FaceGrid } from './faces.ts';
import { LossChart } from './loss-chart.ts';
import { poolStatus, renderJobs, renderPoolWorkers, selectedJob } from './pool-summary.ts';
import { renderRing } from './ring.ts';
import { renderRun, renderWorkers } from './run-summary.ts';
import { type SocketStatus, connectSocket } from './socket.ts';

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;

let state: DashboardState = emptyState({ status: 'connecting', coordinator: '', detail: '', sinceMs: Date.now() });
const table = new EpochTable($<HTMLTableSectionElement>('#epochs tbody'));
const chart = new LossChart($('#chart'));
const faces = new FaceGrid($('#faces'), $('#faces-epoch'));
const notice = $('#notice');
const link = $('#link');
let frame = 0;
/** The job of a pool the views show, as chosen in the jobs table (kept in the URL's #job=). */
let chosenJob: string | null = new URLSearchParams(location.hash.slice(1)).get('job');

function draw(): void {
  frame = 0;
  const now = Date.now();
  const pool = state.pool;
  const job = pool ? selectedJob(pool, chosenJob) : null;
  // A single run is the state itself; a pool shows its selected job's run with today's views.
  const run: RunState = pool ? ((job !== null ? pool.runs[job] : undefined) ?? EMPTY_RUN) : state;
  table.render(run.epochs);
  chart.render(run.epochs);
  faces.render(run.predictions);
  renderRing(run.ring, run.run, now, $('#ring-card'), $('#ring-order'), $('#ring-measured'), $<HTMLTableSectionElement>('#ring tbody'));
  const title = $('#run-title');
  renderRun({ ...run, replaying: state.replaying }, now, title, $('#run-facts'), $<HTMLProgressElement>('#epoch-progress'));
  document.body.classList.toggle('pool', pool !== null);
  $('#pool').hidden = pool === null;
  $('#pool-workers-card').hidden = pool === null;
  $('#workers-card').hidden = pool !== null;
  if (pool) {
    title.textContent = `pool of ${pool.jobs.length} jobs · ${poolStatus(pool, state.finished, state.replaying)}${job !== null ? ` · ${job}: ${title.textContent}` : ''}`;
    renderJobs(pool, job, $<HTMLTableSectionElement>('#jobs tbody'));
    renderPoolWorkers(pool, now, $<HTMLTableSectionElement>('#pool-workers tbody'));
  } else renderWorkers(state.workers, now, $<HTMLTableSectionElement>('#workers tbody'));
  const l = state.link;
  link.hidden = l.status === 'connected' || l.coordinator === '';
  link.textContent = l.status === 'connecting' ? `Connecting to the coordinator at ${l.coordinator}…` : `The coordinator at ${l.coordinator} is unreachable (${l.detail}); showing what was received until then.`;
}

function redraw(): void {
  frame ||= requestAnimationFrame(draw);
}

function onMessage(message: ServerMessage): void {
  state = message.type === 'state' ? message.state : applyEvent(state, message.event);
  redraw();
}

function onStatus(status: SocketStatus): void {
  if (status.open) {
    notice.hidden = !notice.dataset.lost;
    notice.className = 'notice ok';
    notice.textContent = 'Reconnected to the dashboard; history reloaded.';
    delete notice.dataset.lost;
    setTimeout(() => (notice.hidden = notice.dataset.lost === undefined), 3000);
    return;
  }
  notice.hidden = false;
  notice.dataset.lost = '1';
  notice.className = 'notice';
  notice.textContent = status.everOpened
    ? `Connection to the dashboard lost; reconnecting (attempt ${status.attempt}, next in ${(status.retryInMs / 1000).toFixed(1)} s)…`
    : `Cannot reach the dashboard; retrying (attempt ${status.attempt})…`;
}

$('#jobs tbody').addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLTableRowElement>('tr[data-job]');
  if (!row) return;
  chosenJob = row.dataset.job!;
  history.replaceState(null, '', `#job=${encodeURIComponent(chosenJob)}`);
  redraw();
});

document.body.dataset.page = 'ready';
connectSocket(onMessage, onStatus);
setInterval(redraw, 1000);
