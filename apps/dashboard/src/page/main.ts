/**
 * The dashboard page: transport (socket.ts) -> state (the shared reducer) ->
 * views. Redraws at most once per animation frame; the clocks tick every second.
 */
import type { DashboardState, ServerMessage } from '../shared/contract.ts';
import { applyEvent, emptyState } from '../shared/state.ts';
import { EpochTable } from './epoch-table.ts';
import { FaceGrid } from './faces.ts';
import { LossChart } from './loss-chart.ts';
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

function draw(): void {
  frame = 0;
  const now = Date.now();
  table.render(state.epochs);
  chart.render(state.epochs);
  faces.render(state.predictions);
  renderRun(state, now, $('#run-title'), $('#run-facts'), $<HTMLProgressElement>('#epoch-progress'));
  renderWorkers(state.workers, now, $<HTMLTableSectionElement>('#workers tbody'));
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

document.body.dataset.page = 'ready';
connectSocket(onMessage, onStatus);
setInterval(redraw, 1000);
