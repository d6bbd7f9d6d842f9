/** @kfkd/metrics: the Prometheus registry and the /metrics, /livez, /readyz endpoint shared by the coordinator and the workers. */
export { DURATION_BUCKETS, createRegistry, metricNames, metricValue } from './registry.ts';
export { MetricsListenError, type MetricsServer, type MetricsServerOptions, parseListen, startMetricsServer } from './http-server.ts';
export { type ThreadedMetricsServer, type ThreadedMetricsServerOptions, startThreadedMetricsServer } from './threaded-server.ts';
export { Counter, Gauge, Histogram, type Registry } from 'prom-client';
