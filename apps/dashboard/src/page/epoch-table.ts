/** The tutorial's epoch table, newest first. A new epoch adds one row; a new state redraws all. */
import type { EpochView } from '../shared/contract.ts';
import { duration, loss, ratio } from './format.ts';

export class EpochTable {
  private shown: readonly EpochView[] = [];

  constructor(private readonly body: HTMLTableSectionElement) {}

  render(epochs: readonly EpochView[]): void {
    if (epochs === this.shown) return;
    const appended = epochs.length === this.shown.length + 1 && epochs[epochs.length - 2] === this.shown.at(-1);
    if (appended) this.body.insertAdjacentHTML('afterbegin', row(epochs.at(-1)!));
    else this.body.innerHTML = epochs.map(row).reverse().join('');
    this.shown = epochs;
  }
}

function row(e: EpochView): string {
  return `<tr data-epoch="${e.epoch}"><td class="num">${e.epoch}</td><td class="num">${loss(e.trainLoss)}</td><td class="num">${loss(e.validLoss)}</td><td class="num">${ratio(e.trainValidRatio)}</td><td class="num">${duration(e.seconds)}</td></tr>`;
}
