/** The run's facts (net, data, batch, lr/momentum now, epoch x of N, elapsed and remaining) and the workers table. */
import type { RunState, WorkerView } from '../shared/contract.ts';
import { runTiming } from '../shared/state.ts';
import { ago, clock, esc } from './format.ts';

/** A run's facts: the single run's, or the selected job's of a pool. */
export function renderRun(state: RunState & { readonly replaying: boolean }, nowMs: number, title: HTMLElement, facts: HTMLElement, progress: HTMLProgressElement): void {
  const run = state.run;
  if (!run) {
    title.textContent = 'waiting for the run…';
    facts.innerHTML = '';
    return;
  }
  const timing = runTiming(state, nowMs);
  const last = state.epochs.at(-1);
  const best = state.epochs.reduce<(typeof state.epochs)[number] | null>((b, e) => (b === null || e.validLoss < b.validLoss ? e : b), null);
  const hyper = state.step && state.step.epoch >= (last?.epoch ?? 0) ? state.step : last;
  const status = state.finished ? `finished (${state.finished.reason})` : state.replaying ? 'loading history…' : 'training';
  title.textContent = `${run.net} · ${status}`;
  const step = state.step && !state.finished && state.step.epoch === timing.currentEpoch ? `, step ${state.step.step + 1}/${state.step.steps}` : '';
  const entries: [string, string][] = [
    ['Net', run.net],
    ['Data set', `${run.data} (${run.trainRows} train / ${run.validRows} valid)`],
    ['Global batch', `${run.batchSize}${run.flip ? ', flips' : ''}`],
    ['Learning rate', hyper ? hyper.learningRate.toPrecision(4) : '–'],
    ['Momentum', hyper ? hyper.momentum.toPrecision(4) : '–'],
    ['Epoch', `${state.finished ? (last?.epoch ?? 0) : timing.currentEpoch} of ${run.maxEpochs}${step}`],
    ['Valid RMSE', last ? `${last.validRmsePx.toFixed(3)} px${best ? ` (best ${best.validRmsePx.toFixed(3)} at ${best.epoch})` : ''}` : '–'],
    ['Elapsed', clock(timing.elapsedSeconds)],
    ['Remaining', timing.remainingSeconds === null ? (state.finished ? '0s' : '–') : `~${clock(timing.remainingSeconds)}`],
  ];
  facts.innerHTML = entries.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('');
  progress.max = run.maxEpochs;
  progress.value = state.epochs.length;
}

export function renderWorkers(workers: readonly WorkerView[], nowMs: number, body: HTMLTableSectionElement): void {
  body.innerHTML =
    workers.length === 0
      ? '<tr><td colspan="7">no workers connected</td></tr>'
      : workers
          .map(
            (w) =>
              `<tr><td>${esc(w.id)}</td><td>${esc(w.host)}</td><td>${esc(w.backend)} / ${esc(w.device)}</td><td class="state-${esc(w.state)}">${esc(w.state)}</td>` +
              `<td class="num">${w.samplesPerSecond > 0 ? w.samplesPerSecond.toFixed(1) : '–'}</td><td class="num">${w.lastTaskSeconds > 0 ? `${(w.lastTaskSeconds * 1000).toFixed(0)} ms` : '–'}</td>` +
              `<td class="num">${ago(w.lastHeartbeatMs, nowMs)}</td></tr>`,
          )
          .join('');
}
