import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curvePoints, curvesSpec, renderCurvesPng, renderCurvesSvg, type PlotArea } from './chart.ts';
import { loadRunHistories, type RunHistory } from './histories.ts';
import { fakeRecords, writeFakeRun } from './testing.ts';

let dir: string;
let runs: RunHistory[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kfkd-chart-'));
  const net1 = await writeFakeRun(dir, 'net1', fakeRecords(10));
  const net2 = await writeFakeRun(dir, 'net2', fakeRecords(15, 0.03, 0.001));
  runs = await loadRunHistories([net1, net2]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Pixels of `png` inside `area` (in device pixels) that `match` accepts. */
function countPixels(png: PNG, area: PlotArea, match: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let y = Math.ceil(area.y); y < Math.floor(area.y + area.height); y++) {
    for (let x = Math.ceil(area.x); x < Math.floor(area.x + area.width); x++) {
      const i = 4 * (y * png.width + x);
      if (match(png.data[i], png.data[i + 1], png.data[i + 2])) n++;
    }
  }
  return n;
}

const near = (hex: string) => {
  const [r0, g0, b0] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return (r: number, g: number, b: number) => Math.abs(r - r0) + Math.abs(g - g0) + Math.abs(b - b0) < 60;
};
const scaled = (area: PlotArea, s: number): PlotArea => ({ x: area.x * s, y: area.y * s, width: area.width * s, height: area.height * s });

describe('learning-curve chart', () => {
  it('renders a PNG of the requested size with both runs drawn in the plot area and text around it', async () => {
    const { png, plotArea, skipped } = await renderCurvesPng(runs, { metric: 'loss', width: 480, height: 320 });
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(skipped).toBe(0);
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).toEqual([480, 320]);
    expect(plotArea.width).toBeGreaterThan(200);
    expect(plotArea.height).toBeGreaterThan(200);

    const inside = { x: plotArea.x + 2, y: plotArea.y + 2, width: plotArea.width - 4, height: plotArea.height - 4 };
    const drawn = countPixels(image, inside, (r, g, b) => r + g + b < 3 * 250);
    expect(drawn).toBeGreaterThan(300);
    // Vega's first two category colours, one per run.
    expect(countPixels(image, inside, near('#4c78a8'))).toBeGreaterThan(50);
    expect(countPixels(image, inside, near('#f58518'))).toBeGreaterThan(50);

    // Tick labels and the axis title below the plot: dark glyph pixels, so the shipped font was found.
    const below = { x: plotArea.x, y: plotArea.y + plotArea.height + 6, width: plotArea.width, height: 320 - plotArea.y - plotArea.height - 6 };
    expect(countPixels(image, below, (r, g, b) => r + g + b < 3 * 100)).toBeGreaterThan(100);
  });

  it('scales the PNG for sharper output', async () => {
    const { png, plotArea } = await renderCurvesPng(runs, { metric: 'rmse', width: 300, height: 200, scale: 2 });
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).toEqual([600, 400]);
    expect(countPixels(image, scaled(plotArea, 2), near('#4c78a8'))).toBeGreaterThan(50);
  });

  it('titles the axes and the legend', async () => {
    const loss = await renderCurvesSvg(runs, { metric: 'loss' });
    const texts = [...loss.svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts).toEqual(expect.arrayContaining(['epoch', 'loss (MSE, scaled)', 'net1', 'net2', 'run', 'train', 'valid']));
    const rmse = await renderCurvesSvg(runs, { metric: 'rmse' });
    expect(rmse.svg).toContain('>valid RMSE (px)</text>');
  });

  it('puts the metric on a log y axis, valid solid and train dashed, one colour per run in the order given', () => {
    const { points } = curvePoints(runs, 'loss');
    const spec = JSON.parse(JSON.stringify(curvesSpec(runs, points, { metric: 'loss' }))) as {
      encoding: Record<string, { field?: string; scale?: { type?: string; domain?: unknown; range?: unknown } }>;
    };
    expect(spec.encoding.y.scale?.type).toBe('log');
    expect(spec.encoding.color).toMatchObject({ field: 'run', scale: { domain: ['net1', 'net2'] } });
    expect(spec.encoding.strokeDash).toMatchObject({ field: 'curve', scale: { domain: ['valid', 'train'], range: [[1, 0], [6, 4]] } });
  });

  it('plots loss as recorded and RMSE as sqrt(loss) * 48, leaving out what a log axis cannot show', () => {
    const loss = curvePoints(runs, 'loss').points;
    expect(loss).toHaveLength(2 * (10 + 15));
    const first = runs[0].records[0];
    expect(loss[0]).toEqual({ run: 'net1', curve: 'train', epoch: 1, value: first.trainLoss });
    expect(loss[1]).toEqual({ run: 'net1', curve: 'valid', epoch: 1, value: first.validLoss });
    const rmse = curvePoints(runs, 'rmse').points;
    expect(rmse[0].value).toBeCloseTo(Math.sqrt(first.trainLoss) * 48, 10);
    expect(rmse[1].value).toBeCloseTo(first.validRmsePx, 10);

    const zero: RunHistory = { ...runs[0], records: [{ ...runs[0].records[0], trainLoss: 0 }] };
    expect(curvePoints([zero], 'loss')).toMatchObject({ skipped: 1, points: [{ curve: 'valid' }] });
  });
});
