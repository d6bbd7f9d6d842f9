/**
 * Train and valid loss per epoch on a log axis (uPlot: small, fast with
 * thousands of points, log scales built in). The right axis labels the same
 * scale as valid RMSE in pixels (sqrt(loss) * 48), which is monotonic in it.
 */
import uPlot from 'uplot';
import type { EpochView } from '../shared/contract.ts';

export class LossChart {
  private readonly plot: uPlot;
  private shown: readonly EpochView[] = [];

  constructor(private readonly host: HTMLElement) {
    const opts: uPlot.Options = {
      width: this.width(),
      height: 320,
      scales: {
        x: { time: false },
        // Whole decades, so the lowest losses always have a labelled line below them.
        y: { distr: 3, range: (_u, min, max) => (min > 0 && max > 0 ? [10 ** Math.floor(Math.log10(min)), 10 ** Math.ceil(Math.log10(max))] : [0.001, 1]) },
      },
      axes: [
        // Whole epochs only.
        { label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] },
        { label: 'loss (MSE, scaled)', size: 70, values: (_u, splits) => splits.map((v) => (v == null ? '' : v.toPrecision(2))) },
        { side: 1, scale: 'y', label: 'valid RMSE (px)', grid: { show: false }, size: 60, values: (_u, splits) => splits.map((v) => (v == null ? '' : (Math.sqrt(v) * 48).toFixed(2))) },
      ],
      series: [
        { label: 'epoch' },
        { label: 'train loss', stroke: '#1f6fd1', width: 2, value: (_u, v) => (v == null ? '–' : v.toFixed(6)) },
        { label: 'valid loss', stroke: '#d9480f', width: 2, value: (_u, v) => (v == null ? '–' : `${v.toFixed(6)} (${(Math.sqrt(v) * 48).toFixed(2)} px)`) },
      ],
      legend: { live: true },
    };
    this.plot = new uPlot(opts, [[], [], []], host);
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: 320 })).observe(host);
  }

  render(epochs: readonly EpochView[]): void {
    if (epochs === this.shown) return;
    this.shown = epochs;
    this.plot.setData([epochs.map((e) => e.epoch), epochs.map((e) => e.trainLoss), epochs.map((e) => e.validLoss)]);
    // Without a cursor over the chart, the legend shows the latest epoch.
    if (epochs.length > 0 && this.plot.cursor.idx == null) this.plot.setLegend({ idx: epochs.length - 1 });
  }

  private width(): number {
    return Math.max(300, this.host.clientWidth);
  }
}
