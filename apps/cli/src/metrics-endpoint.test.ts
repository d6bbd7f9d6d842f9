import { expect, it } from 'vitest';
import { localWorkerMetricsListen } from './metrics-endpoint.ts';
import { expectOneLineError, kfkd } from './testing/kfkd-process.ts';

it("gives `kfkd local`'s workers the ports after the coordinator's, a free port each for 0, or none", () => {
  expect(localWorkerMetricsListen('127.0.0.1:9400', 1)).toBe('127.0.0.1:9401');
  expect(localWorkerMetricsListen('127.0.0.1:9400', 3)).toBe('127.0.0.1:9403');
  expect(localWorkerMetricsListen('0.0.0.0:0', 2)).toBe('0.0.0.0:0');
  expect(localWorkerMetricsListen('off', 2)).toBe('off');
});

it('refuses a --metrics-listen that is not HOST:PORT or off, in one line', async () => {
  const result = await kfkd('worker', '--coordinator', '127.0.0.1:1', '--metrics-listen', '9401');
  expectOneLineError(result, /--metrics-listen.*expected HOST:PORT/);
});
