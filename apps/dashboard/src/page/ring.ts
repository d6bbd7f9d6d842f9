/**
 * The Ring card: the last ring round of the run (who passed the running
 * gradient sum to whom) and a row per hop with its bytes, time and rate, the
 * slowest link marked in words, so an operator can find it. Hidden while the
 * run has had no ring round (star steps only).
 */
import type { RingRoundView, RunView } from '../shared/contract.ts';
import { hopMegabytesPerSecond, slowestHop } from '../shared/state.ts';
import { ago, esc } from './format.ts';

/** How the ring's last hop's receiver is named. */
const COORDINATOR = 'coordinator';

export function renderRing(ring: RingRoundView | null, run: RunView | null, nowMs: number, card: HTMLElement, order: HTMLElement, measured: HTMLElement, body: HTMLTableSectionElement): void {
  card.hidden = ring === null;
  if (!ring) return;
  order.textContent = [...ring.workers, COORDINATOR].join(' → ');
  const steps = run ? ` of ${run.stepsPerEpoch}` : '';
  measured.textContent = `(epoch ${ring.epoch}, step ${ring.step + 1}${steps}; ${ago(ring.atMs, nowMs)})`;
  const slowest = slowestHop(ring.hops);
  body.innerHTML =
    ring.hops.length === 0
      ? '<tr><td colspan="6">no hops reported</td></tr>'
      : ring.hops
          .map((hop, i) => {
            const rate = hopMegabytesPerSecond(hop);
            const mark = i === slowest ? ' class="slowest"' : '';
            return (
              `<tr data-hop="${i}"${mark}><td>${esc(hop.from)}</td><td>${esc(hop.to || COORDINATOR)}</td>` +
              `<td class="num">${(hop.bytes / 1e6).toFixed(1)}</td><td class="num">${(hop.seconds * 1000).toFixed(1)}</td>` +
              `<td class="num">${rate === null ? '–' : rate.toFixed(1)}</td><td>${i === slowest ? 'slowest' : ''}</td></tr>`
            );
          })
          .join('');
}
