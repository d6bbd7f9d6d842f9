/**
 * Learning curves as a Vega-Lite chart, rendered without a browser: Vega-Lite
 * compiles the chart to Vega, Vega lays it out and writes SVG (renderer
 * 'none', so no canvas is needed), and resvg rasterises the SVG to PNG with
 * the DejaVu Sans files shipped in the dejavu-fonts-ttf package, so text looks
 * the same on every machine whether or not it has system fonts.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { rmsePx } from '@kfkd/model/history';
import type { RunHistory } from './histories.ts';

import type { CurveMetric } from './curve-metric.ts';

export { CURVE_METRICS, type CurveMetric } from './curve-metric.ts';

export const Y_TITLES: Readonly<Record<CurveMetric, string>> = {
  loss: 'loss (MSE, scaled)',
  rmse: 'valid RMSE (px)',
};

export interface ChartOptions {
  readonly metric: CurveMetric;
  /** Size of the whole picture in CSS pixels, legend and axes included. */
  readonly width?: number;
  readonly height?: number;
  /** Device pixels per CSS pixel in the PNG. */
  readonly scale?: number;
}

export const DEFAULT_WIDTH = 900;
export const DEFAULT_HEIGHT = 560;
const PADDING = 16;

/** One point of one curve. */
export interface CurvePoint {
  readonly run: string;
  readonly curve: 'train' | 'valid';
  readonly epoch: number;
  readonly value: number;
}

/**
 * The points to draw: per run and epoch, train and valid loss (MSE in the
 * scaled units the nets train on) or both as RMSE in pixels, sqrt(loss) * 48
 * as in the tutorial's specialist plots. Values a log axis cannot show (<= 0,
 * not finite) are left out and counted.
 */
export function curvePoints(runs: readonly RunHistory[], metric: CurveMetric): { points: CurvePoint[]; skipped: number } {
  const points: CurvePoint[] = [];
  let skipped = 0;
  const add = (run: string, curve: 'train' | 'valid', epoch: number, value: number): void => {
    if (Number.isFinite(value) && value > 0) points.push({ run, curve, epoch, value });
    else skipped++;
  };
  for (const run of runs) {
    for (const r of run.records) {
      add(run.name, 'train', r.epoch, metric === 'loss' ? r.trainLoss : rmsePx(r.trainLoss));
      add(run.name, 'valid', r.epoch, metric === 'loss' ? r.validLoss : r.validRmsePx);
    }
  }
  return { points, skipped };
}

/** The Vega-Lite chart: epoch on x, the metric on a log y axis, a colour per run, valid solid and train dashed. */
export function curvesSpec(runs: readonly RunHistory[], points: readonly CurvePoint[], options: ChartOptions): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? DEFAULT_HEIGHT,
    autosize: { type: 'fit', contains: 'padding' },
    padding: PADDING,
    background: 'white',
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'line', strokeWidth: 2, clip: true },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        axis: { format: 'd', tickMinStep: 1 },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title: Y_TITLES[options.metric],
        // The data's own range (a nice log domain would round out to whole decades), a few pixels of air at the ends.
        scale: { type: 'log', nice: false, padding: 8 },
        axis: { format: '~g' },
      },
      color: {
        field: 'run',
        type: 'nominal',
        title: 'run',
        // Legend in the order the runs were named on the command line.
        scale: { domain: runs.map((r) => r.name) },
        legend: { labelLimit: 360, symbolStrokeWidth: 3 },
      },
      strokeDash: {
        field: 'curve',
        type: 'nominal',
        title: 'curve',
        scale: { domain: ['valid', 'train'], range: [[1, 0], [6, 4]] },
        legend: { symbolStrokeColor: '#444', symbolStrokeWidth: 2 },
      },
      // Train curves a little lighter, as in the tutorial's plots.
      opacity: { condition: { test: "datum.curve === 'train'", value: 0.65 }, value: 1 },
    },
    config: {
      font: 'DejaVu Sans',
      view: { stroke: '#888' },
      axis: { labelFontSize: 12, titleFontSize: 13, gridColor: '#e4e4e4' },
      legend: { labelFontSize: 12, titleFontSize: 13, symbolSize: 300 },
    },
  };
}

/** Where the axes' rectangle lies in the picture, in CSS pixels. */
export interface PlotArea {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface RenderedCurves {
  /** Points left out because a log axis cannot show them. */
  readonly skipped: number;
  readonly plotArea: PlotArea;
}

/** Renders the chart as SVG text; its size is exactly width x height. */
export async function renderCurvesSvg(runs: readonly RunHistory[], options: ChartOptions): Promise<RenderedCurves & { svg: string }> {
  const { points, skipped } = curvePoints(runs, options.metric);
  const { spec } = compile(curvesSpec(runs, points, options));
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // origin() is relative to the padding.
    const [x, y] = view.origin();
    const plotArea = { x: x + PADDING, y: y + PADDING, width: view.width(), height: view.height() };
    return { svg, skipped, plotArea };
  } finally {
    view.finalize();
  }
}

/** Renders the chart as a PNG of (width x height) * scale device pixels. */
export async function renderCurvesPng(runs: readonly RunHistory[], options: ChartOptions): Promise<RenderedCurves & { png: Buffer }> {
  const { svg, skipped, plotArea } = await renderCurvesSvg(runs, options);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.scale ?? 1 },
    background: 'white',
    font: {
      loadSystemFonts: false,
      fontFiles: FONT_FILES,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
  });
  return { png: resvg.render().asPng(), skipped, plotArea };
}

const require = createRequire(import.meta.url);
/** Regular for labels, bold for Vega's axis and legend titles. */
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`));
