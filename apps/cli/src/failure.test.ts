import { CommanderError } from 'commander';
import { DataFormatError } from '@kfkd/data';
import { CheckpointCorruptError, CheckpointMismatchError, CheckpointShrinkError, CoordinatorConfigError, ListenError } from '@kfkd/coordinator/errors';
import { MetricsListenError } from '@kfkd/metrics';
import { BackendUnavailableError, ModelLoadError, UnknownNetError } from '@kfkd/model/errors';
import { WorkerConfigError, WorkerRefusedError } from '@kfkd/worker/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ChildFailedError,
  EXIT_BUG,
  EXIT_CODE_TABLE,
  EXIT_COMPLETE,
  EXIT_FAILED,
  EXIT_NO_DEVICE,
  EXIT_REFUSED,
  EXIT_SIGINT,
  EXIT_SIGTERM,
  EXIT_USAGE,
  UsageError,
  classifyFailure,
  exitCodeHelp,
  interruptedExitCode,
  reportFailure,
} from './failure.ts';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something, open 'x.csv'`), { code });

describe('exit codes', () => {
  it('are the documented numbers (deploy/k8s podFailurePolicy and README depend on them)', () => {
    expect([EXIT_COMPLETE, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_NO_DEVICE, EXIT_BUG, EXIT_SIGINT, EXIT_SIGTERM]).toEqual([0, 1, 2, 3, 4, 70, 130, 143]);
    expect(EXIT_CODE_TABLE.map((row) => row.code)).toEqual([0, 1, 2, 3, 4, 70, 130, 143]);
    expect(interruptedExitCode('SIGINT')).toBe(130);
    expect(interruptedExitCode('SIGTERM')).toBe(143);
  });

  it('--help lists every code with its meaning', () => {
    const help = exitCodeHelp();
    expect(help).toMatch(/^Exit codes:$/m);
    for (const { code, meaning } of EXIT_CODE_TABLE) expect(help).toContain(`  ${String(code).padEnd(4)} ${meaning}`);
  });

  it.each([
    ['a usage error', new UsageError('--tls-cert and --tls-key go together'), EXIT_USAGE],
    ['bad data', new DataFormatError({ file: 'x.csv', line: 2, column: 'Image' }, 'expected 9216 pixels'), EXIT_USAGE],
    ['an unknown net', new UnknownNetError('net9', ['net1']), EXIT_USAGE],
    ['a model that will not load', new ModelLoadError('missing-directory', 'run', 'the directory does not exist'), EXIT_USAGE],
    ['a corrupt checkpoint', new CheckpointCorruptError('c', 'checksum mismatch', null), EXIT_USAGE],
    ["another run's checkpoint", new CheckpointMismatchError('c', 'net', 'net1', 'net2'), EXIT_USAGE],
    ['a shortened run', new CheckpointShrinkError('c', 'epochs', 2, 3), EXIT_USAGE],
    ["a coordinator's bad configuration", new CoordinatorConfigError('no token'), EXIT_USAGE],
    ["a worker's bad configuration", new WorkerConfigError('bad address'), EXIT_USAGE],
    ['an explicit backend that will not load (not the GPU one)', new BackendUnavailableError('tensorflow', [], 'install it'), EXIT_USAGE],
    ['a missing file', errno('ENOENT'), EXIT_USAGE],
    ['an unreadable file', errno('EACCES'), EXIT_USAGE],
    ['a refusal by the coordinator', new WorkerRefusedError('host:50051', 'UNAUTHENTICATED: bad token'), EXIT_REFUSED],
    ['a port in use (gRPC)', new ListenError('0.0.0.0:50051', 'No address added out of total 1 resolved'), EXIT_FAILED],
    ['a port in use (metrics)', new MetricsListenError('0.0.0.0:9400', 'EADDRINUSE'), EXIT_FAILED],
    ['a raw EADDRINUSE', errno('EADDRINUSE'), EXIT_FAILED],
    ['a full disk', errno('ENOSPC'), EXIT_FAILED],
    ['a failed worker of kfkd local, by its code', new ChildFailedError('worker local-1', EXIT_REFUSED), EXIT_REFUSED],
    ["a failed coordinator of kfkd local (interrupted from outside)", new ChildFailedError('coordinator', EXIT_SIGTERM), EXIT_SIGTERM],
    ['a child that crashed with a code outside the table', new ChildFailedError('worker local-2', 134), EXIT_FAILED],
    ['a TypeError (a bug)', new TypeError("Cannot read properties of undefined (reading 'x')"), EXIT_BUG],
    ['something thrown that is not an Error', 'oops', EXIT_BUG],
  ])('%s exits %i', (_, error, code) => {
    expect(classifyFailure(error).code).toBe(code);
  });
});

describe('reportFailure', () => {
  const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  afterEach(() => stderr.mockClear());

  it("prints one line for a user's error, the stack for a bug", () => {
    expect(reportFailure(new UsageError('--coordinator must be HOST:PORT'))).toBe(EXIT_USAGE);
    expect(stderr.mock.calls).toEqual([['kfkd: --coordinator must be HOST:PORT']]);
    stderr.mockClear();
    const bug = new TypeError('x is undefined');
    expect(reportFailure(bug)).toBe(EXIT_BUG);
    expect(stderr.mock.calls).toEqual([['kfkd: unexpected failure (this is a bug):'], [bug]]);
  });

  it("maps commander's parse errors to 2 and --help to 0, printing nothing more (commander has)", () => {
    expect(reportFailure(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--bogus'"))).toBe(EXIT_USAGE);
    expect(reportFailure(new CommanderError(1, 'commander.help', '(outputHelp)'))).toBe(EXIT_USAGE);
    expect(reportFailure(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(EXIT_COMPLETE);
    expect(stderr).not.toHaveBeenCalled();
  });
});
