import { Command } from 'commander';
import { ensureParentDir } from '../files.ts';
import { stringOption } from '../options.ts';
import { writeFileAtomically } from '@kfkd/data';
import { CURVE_METRICS, type CurveMetric } from '../plot/curve-metric.ts';
import type { RunHistory } from '../plot/histories.ts';

interface PlotFlags {
  history: string[];
  out: string;
  metric: CurveMetric;
}

export function plotCommand(): Command {
  return new Command('plot')
    .description(
      'Draw learning curves from training runs\' history.jsonl as a PNG, like the tutorial\'s pictures: train (dashed) and ' +
        'valid (solid) per epoch on a log axis, one colour per run. --metric rmse shows RMSE in pixels, as for the specialists.',
    )
    .addOption(stringOption('--history <dir...>', 'training run directories (or their history.jsonl files) to plot').makeOptionMandatory())
    .addOption(stringOption('--out <png>', 'PNG file to write', 'curves.png'))
    .addOption(stringOption('--metric <name>', 'what the y axis shows: loss (MSE in scaled units) or rmse (pixels)', 'loss').choices(CURVE_METRICS))
    .action(async (flags: PlotFlags) => {
      const histories = typeof flags.history === 'string' ? [flags.history] : flags.history;
      // Loaded on use: the charting libraries take a while to import.
      const [{ loadRunHistories }, { DEFAULT_HEIGHT, DEFAULT_WIDTH, renderCurvesPng }] = await Promise.all([
        import('../plot/histories.ts'),
        import('../plot/chart.ts'),
      ]);
      const runs = await loadRunHistories(histories);
      const { png, skipped } = await renderCurvesPng(runs, { metric: flags.metric });
      await ensureParentDir(flags.out);
      await writeFileAtomically(flags.out, png);
      const what = flags.metric === 'loss' ? 'train and valid loss' : 'train and valid RMSE';
      console.log(`wrote ${flags.out}: ${what} of ${runs.length} run${runs.length > 1 ? 's' : ''} on a log axis (${DEFAULT_WIDTH}x${DEFAULT_HEIGHT} px)`);
      if (skipped > 0) console.log(`left out ${skipped} values <= 0 or not finite, which a log axis cannot show`);
      printBest(runs, flags.metric);
    });
}

/** One line per run: epochs recorded and the best validation value, as the tutorial reads its curves. */
function printBest(runs: readonly RunHistory[], metric: CurveMetric): void {
  const width = Math.max(...runs.map((r) => r.name.length));
  for (const run of runs) {
    const best = run.records.reduce((a, b) => (b.validLoss < a.validLoss ? b : a));
    const value = metric === 'loss' ? `best valid loss ${best.validLoss.toPrecision(4)}` : `best valid RMSE ${best.validRmsePx.toFixed(3)} px`;
    console.log(`  ${run.name.padEnd(width)}  ${String(run.records.length).padStart(5)} epochs  ${value} at epoch ${best.epoch}`);
  }
}
