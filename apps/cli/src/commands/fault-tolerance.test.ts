/**
 * Distributed training survives worker loss, late joiners and a coordinator
 * restart, on the star and on the ring (`--topology ring`, workers serving
 * peers): every step is applied exactly once (the coordinator's debug
 * 'step applied' record), and the history equals `kfkd train`'s. Real
 * processes on loopback; net1 on the cpu backend.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEBUG_LOG, appliedSteps, expectEveryStepOnce, expectSameHistory, readHistory, startCoordinator, startKfkd } from '../testing/cluster.ts';
import { EPOCHS, type FaultFixture, STEPS, STEP_TOPOLOGIES, type StepTopology, faultFixture, startTopologyWorker } from '../testing/fault-fixture.ts';
import { EXIT_SIGTERM } from '../failure.ts';

let fixture: FaultFixture;

beforeAll(async () => {
  fixture = await faultFixture('kfkd-faults-');
});

afterAll(async () => {
  await fixture?.remove();
});

/** The coordinator's 'step topology' records (logged when the topology changes), in order: 'ring of 2', 'star of 1', ... */
function stepTopologies(lines: readonly string[]): string[] {
  return lines.flatMap((line) => {
    const m = /\bstep topology topology=(\w+) workers=(\d+)/.exec(line);
    return m ? [`${m[1]} of ${m[2]}`] : [];
  });
}

/** What a run that lost one of its 2 workers logged: on the ring, ring steps of both, then (a ring needs 2) star steps of the other. */
function expectTopologiesAfterALoss(topology: StepTopology, lines: readonly string[]): void {
  const topologies = stepTopologies(lines);
  if (topology === 'star') {
    // Logged once: its reason (--topology star) does not change with the workers.
    expect(topologies).toEqual([expect.stringMatching(/^star of [12]$/)]);
    return;
  }
  expect(topologies).toContain('ring of 2');
  expect(topologies.at(-1)).toBe('star of 1');
  expect(lines.join('\n')).toMatch(/step topology topology=star workers=1 why="1 worker in the round, a ring needs 2"/);
}

/** A coordinator whose every step went on `topology` with both workers: one topology record, and no round computed again. */
function expectEveryStepOn(topology: StepTopology, lines: readonly string[]): void {
  expect(stepTopologies(lines)).toEqual([`${topology} of 2`]);
  expect(lines.join('\n')).not.toMatch(/recomputing rows of lost workers/);
}

describe.each(STEP_TOPOLOGIES)('on the %s', (topology) => {
  const runDir = (name: string): string => join(fixture.dir, `${topology}-${name}`);
  const flags = (dir: string, ...extra: string[]): string[] => [...fixture.training(dir), '--topology', topology, ...extra];

  it('a worker killed with SIGKILL while it holds a task of the step in flight is removed, its share recomputed, and every step applied once', async () => {
    const dir = runDir('sigkill');
    const { coordinator, port } = await startCoordinator(flags(dir), DEBUG_LOG);
    const victim = startTopologyWorker(topology, port, 'victim');
    const survivor = startTopologyWorker(topology, port, 'survivor');
    await coordinator.waitFor(/^\s+1 \|/);
    // Frozen, the victim cannot answer the task it holds; the coordinator hands it its part of the next step at once.
    victim.kill('SIGSTOP');
    const sent = await coordinator.waitForNext(/task sent worker=victim session=\d+ task=\d+ part=(\w+) epoch=(\d+) step=(\d+) rows=\d+( ring=\d+)?/);
    victim.kill('SIGKILL');
    expect(await coordinator.exitedWithin(100_000)).toBe(0);
    expect(await survivor.exitedWithin(30_000)).toBe(0);
    const log = coordinator.stderr.join('\n');
    // On the ring the victim died mid-reduction: the whole ring's rows were computed again, on the star.
    expect(sent[4] !== undefined, sent[0]).toBe(topology === 'ring');
    // The victim died holding a task: that part (and no other) was computed again by the survivor.
    expect(log).toMatch(/worker removed worker=victim session=\d+ reason=stream-closed .*tasksLost=1\b/);
    expect(log).toMatch(new RegExp(`recomputing rows of lost workers part=${sent[1]} epoch=${sent[2]} step=${sent[3]} `));
    expectTopologiesAfterALoss(topology, coordinator.stderr);
    expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
    expectSameHistory(await readHistory(dir), fixture.reference);
  });

  it('a worker that joins late computes tasks from the next step on', async () => {
    const dir = runDir('late');
    const { coordinator, port } = await startCoordinator(flags(dir), DEBUG_LOG);
    const early = startTopologyWorker(topology, port, 'early');
    await coordinator.waitFor(/^\s+1 \|/);
    const late = startTopologyWorker(topology, port, 'late');
    expect(await coordinator.exitedWithin(100_000)).toBe(0);
    expect(await early.exitedWithin(30_000)).toBe(0);
    expect(await late.exitedWithin(30_000)).toBe(0);
    expect(coordinator.stderr.join('\n')).toMatch(/worker active worker=late/);
    expect(coordinator.stderr.join('\n')).toMatch(/task sent worker=late /);
    // Alone, the early worker's steps are star steps (a ring of one is a star); the late one makes a ring of 2.
    expect(stepTopologies(coordinator.stderr)).toEqual(topology === 'ring' ? ['star of 1', 'ring of 2'] : ['star of 1']);
    const accepted = /done: training is over tasksAccepted=(\d+)/.exec(late.stderr.join('\n'));
    expect(Number(accepted?.[1])).toBeGreaterThan(0);
    expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
    expectSameHistory(await readHistory(dir), fixture.reference);
  });

  it('a coordinator killed with SIGKILL and restarted on the same run directory resumes from its last checkpoint; the history equals an uninterrupted run', async () => {
    const dir = runDir('restart');
    // Both coordinators wait for both workers: every step on a ring of 2 (a worker that reconnects first would be a star alone).
    const args = flags(dir, '--min-workers', '2');
    const first = await startCoordinator(args, DEBUG_LOG);
    const workers = [startTopologyWorker(topology, first.port, 'a'), startTopologyWorker(topology, first.port, 'b')];
    await first.coordinator.waitFor(/^\s+2 \|/);
    first.coordinator.kill('SIGKILL');
    await first.coordinator.exited;
    const second = startKfkd(['coordinator', '--listen', `127.0.0.1:${first.port}`, ...args], DEBUG_LOG);
    const resumed = await second.waitFor(/resuming from the checkpoint .*: epoch (\d+), step (\d+)/);
    const from = { epoch: Number(resumed[1]), step: Number(resumed[2]) };
    // Checkpoints are written per epoch: the restart resumes at the start of an epoch, after epoch 2 at the earliest.
    expect(from.step).toBe(0);
    expect(from.epoch).toBeGreaterThanOrEqual(3);
    expect(await second.exitedWithin(100_000)).toBe(0);
    for (const w of workers) {
      expect(await w.exitedWithin(30_000)).toBe(0);
      expect(w.stderr.join('\n')).toMatch(/session ended; reconnecting/);
    }
    for (const c of [first.coordinator, second]) expectEveryStepOn(topology, c.stderr);
    // The first coordinator applied every step up to the checkpoint once (and maybe some of the next epoch, lost with it).
    expectEveryStepOnce(appliedSteps(first.coordinator.stderr).slice(0, (from.epoch - 1) * STEPS), from.epoch - 1, STEPS);
    expectEveryStepOnce(appliedSteps(second.stderr), EPOCHS, STEPS, from);
    expectSameHistory(await readHistory(dir), fixture.reference);
  });

  it('SIGTERM checkpoints mid-epoch after the step in flight and exits 143; the restart applies the remaining steps once', async () => {
    const dir = runDir('sigterm');
    // Two workers, both waited for: the step in flight at SIGTERM is a ring step (on the ring).
    const args = flags(dir, '--min-workers', '2');
    const first = await startCoordinator(args, DEBUG_LOG);
    const workers = [startTopologyWorker(topology, first.port, 'a'), startTopologyWorker(topology, first.port, 'b')];
    await first.coordinator.waitFor(/step applied epoch=2 step=1 /);
    first.coordinator.kill('SIGTERM');
    expect(await first.coordinator.exitedWithin(60_000)).toBe(EXIT_SIGTERM);
    const saved = await first.coordinator.waitFor(/checkpoint saved epoch=(\d+) step=(\d+)/);
    const from = { epoch: Number(saved[1]), step: Number(saved[2]) };
    const second = startKfkd(['coordinator', '--listen', `127.0.0.1:${first.port}`, ...args], DEBUG_LOG);
    await second.waitFor(new RegExp(`resuming from the checkpoint .*: epoch ${from.epoch}, step ${from.step}`));
    expect(await second.exitedWithin(100_000)).toBe(0);
    for (const w of workers) expect(await w.exitedWithin(30_000)).toBe(0);
    for (const c of [first.coordinator, second]) expectEveryStepOn(topology, c.stderr);
    // Together, the two coordinators applied every step exactly once.
    const before = appliedSteps(first.coordinator.stderr);
    expect(before.at(-1)).toEqual(from.step > 0 ? { epoch: from.epoch, step: from.step - 1 } : { epoch: from.epoch - 1, step: STEPS - 1 });
    expectEveryStepOnce([...before, ...appliedSteps(second.stderr)], EPOCHS, STEPS);
    expectSameHistory(await readHistory(dir), fixture.reference);
  });

  it('a worker that hangs (SIGSTOP) misses its deadline or heartbeat, is removed, and every step is applied once', async () => {
    const dir = runDir('hang');
    const { coordinator, port } = await startCoordinator(flags(dir, '--step-timeout', '3', '--heartbeat-timeout', '2'), DEBUG_LOG);
    const hung = startTopologyWorker(topology, port, 'hung');
    const healthy = startTopologyWorker(topology, port, 'healthy');
    await coordinator.waitFor(/^\s+1 \|/);
    hung.kill('SIGSTOP');
    try {
      await coordinator.waitFor(/worker removed worker=hung session=\d+ reason=(deadline|heartbeat)/);
    } finally {
      // Removed, it is killed: its open connection would hold the coordinator's shutdown for its grace period (2 s).
      hung.kill('SIGKILL');
    }
    expect(await coordinator.exitedWithin(100_000)).toBe(0);
    expect(await healthy.exitedWithin(30_000)).toBe(0);
    const log = coordinator.stderr.join('\n');
    expect(log).toMatch(/worker removed worker=hung session=\d+ reason=(deadline|heartbeat)/);
    // On the ring, frozen mid-round (the usual case) its ring round times out first; frozen between rounds, its heartbeat does.
    if (topology === 'ring') expect(log).toMatch(/ring round timed out: its rows are computed again on the star|worker removed worker=hung session=\d+ reason=heartbeat/);
    expectTopologiesAfterALoss(topology, coordinator.stderr);
    expectEveryStepOnce(appliedSteps(coordinator.stderr), EPOCHS, STEPS);
    expectSameHistory(await readHistory(dir), fixture.reference);
  });
});
