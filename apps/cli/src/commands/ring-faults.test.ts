/**
 * Faults on the ring path (`--topology ring`) beyond those that
 * fault-tolerance.test.ts runs on both topologies with 2 workers: with 3
 * workers, a worker killed in a ring step is removed, the step is computed
 * again on the star and the next ones on a ring of the others; a frozen
 * worker makes its ring round time out, the star's deadline (or its
 * heartbeat) removes it and the steps go on on a ring of the others; a
 * worker whose peers cannot reach it (a wrong --peer-advertise, as a
 * partitioned link) makes ring rounds time out, and the steps go on on the
 * star. Every step is applied once, and the history equals `kfkd train`'s.
 * Real processes on loopback; net1 on the cpu backend.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEBUG_LOG, appliedSteps, expectEveryStepOnce, expectSameHistory, readHistory, startCoordinator } from '../testing/cluster.ts';
import { EPOCHS, type FaultFixture, STEPS, faultFixture, startRingWorker } from '../testing/fault-fixture.ts';

let fixture: FaultFixture;

beforeAll(async () => {
  fixture = await faultFixture('kfkd-ring-faults-');
});

afterAll(async () => {
  await fixture?.remove();
});

it('a worker killed in a ring step is removed; the step is computed again on the star, the next ones on a ring of the others', async () => {
  const runDir = join(fixture.dir, 'sigkill');
  const { coordinator, port } = await startCoordinator([...fixture.training(runDir), '--topology', 'ring'], DEBUG_LOG);
  const workers = ['a', 'b', 'c'].map((id) => startRingWorker(port, id));
  await coordinator.waitFor(/step topology topology=ring workers=3 /);
  await coordinator.waitFor(/^\s+1 \|/);
  // Frozen, it holds the ring's step in flight; then killed.
  workers[1].kill('SIGSTOP');
  await coordinator.waitForNext(/task sent worker=b .*ring=\d+/);
  workers[1].kill('SIGKILL');
  expect(await coordinator.exitedWithin(120_000), coordinator.stderr.join('\n')).toBe(0);
  const log = coordinator.stderr.join('\n');
  expect(log).toMatch(/worker removed worker=b session=\d+ reason=stream-closed/);
  expect(log).toMatch(/recomputing rows of lost workers part=train /);
  expect(log).toMatch(/step topology topology=ring workers=2 /);
  expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), fixture.reference);
  for (const w of [workers[0], workers[2]]) expect(await w.exitedWithin(30_000)).toBe(0);
}, 180_000);

it('a worker whose peers cannot reach it makes ring rounds time out; the steps go on on the star, every one applied once', async () => {
  const runDir = join(fixture.dir, 'unreachable');
  const { coordinator, port } = await startCoordinator([...fixture.training(runDir), '--topology', 'ring', '--min-workers', '3', '--step-timeout', '4'], DEBUG_LOG);
  // Port 9 (discard) on loopback: nothing listens there, as a link cut between workers that both still reach the coordinator.
  const workers = [startRingWorker(port, 'a'), startRingWorker(port, 'b', '--peer-advertise', '127.0.0.1:9'), startRingWorker(port, 'c')];
  expect(await coordinator.exitedWithin(150_000), coordinator.stderr.join('\n')).toBe(0);
  const log = coordinator.stderr.join('\n');
  expect(log).toMatch(/ring round timed out: its rows are computed again on the star/);
  expect(log).toMatch(/step topology topology=star workers=3 why="a ring round timed out in generation \d+: star steps until the workers change"/);
  // Nobody was at fault on the star: no worker was removed.
  expect(log).not.toMatch(/worker removed/);
  expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), fixture.reference);
  for (const w of workers) expect(await w.exitedWithin(30_000)).toBe(0);
}, 200_000);

it('a frozen worker (SIGSTOP) makes its ring round time out; the star\'s deadline (or its heartbeat) removes it, and the next steps go on a ring of the others', async () => {
  const runDir = join(fixture.dir, 'frozen');
  const { coordinator, port } = await startCoordinator([...fixture.training(runDir), '--topology', 'ring', '--step-timeout', '3', '--heartbeat-timeout', '2'], DEBUG_LOG);
  const workers = ['a', 'b', 'c'].map((id) => startRingWorker(port, id));
  await coordinator.waitFor(/step topology topology=ring workers=3 /);
  workers[2].kill('SIGSTOP');
  await coordinator.waitFor(/worker removed worker=c session=\d+ reason=(deadline|heartbeat)/, 60_000);
  workers[2].kill('SIGKILL');
  expect(await coordinator.exitedWithin(120_000), coordinator.stderr.join('\n')).toBe(0);
  const log = coordinator.stderr.join('\n');
  // Frozen mid-round (the usual case) its ring round times out first; frozen between rounds, its heartbeat does.
  expect(log).toMatch(/ring round timed out: its rows are computed again on the star|worker removed worker=c session=\d+ reason=heartbeat/);
  expect(log).toMatch(/step topology topology=ring workers=2 /);
  expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
  expectSameHistory(await readHistory(runDir), fixture.reference);
  for (const w of workers.slice(0, 2)) expect(await w.exitedWithin(30_000)).toBe(0);
}, 200_000);
