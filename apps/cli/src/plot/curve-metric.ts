/** What a learning-curve chart's y axis shows (a module of its own so --help need not load the charting libraries). */
export type CurveMetric = 'loss' | 'rmse';
export const CURVE_METRICS: readonly CurveMetric[] = ['loss', 'rmse'];
