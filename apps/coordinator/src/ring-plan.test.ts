import { describe, expect, it } from 'vitest';
import { chooseTopology } from './ring-plan.ts';

const member = (worker: string, positions: number[], peer = true) => ({
  worker,
  items: positions.map((position) => ({ row: position + 100, position })),
  ...(peer ? { peerAddress: `10.0.0.${worker.length}:5000` } : {}),
});

describe('chooseTopology', () => {
  it('orders a ring as the star sums its parts: by the first batch position of each worker', () => {
    const choice = chooseTopology('ring', [member('c', [5, 9]), member('a', [3, 1]), member('bb', [0, 7, 8])], 4);
    expect(choice.kind).toBe('ring');
    if (choice.kind !== 'ring') return;
    expect(choice.ring.members.map((m) => m.worker)).toEqual(['bb', 'a', 'c']);
    expect(choice.ring.totalCount).toBe(7);
    expect(choice.ring.firstPosition).toBe(0);
  });

  it('keeps the star under --topology star, below the auto threshold, and when a worker serves no peers', () => {
    const three = [member('a', [0]), member('b', [1]), member('c', [2])];
    expect(chooseTopology('star', three, 2)).toEqual({ kind: 'star', why: '--topology star' });
    expect(chooseTopology('auto', three, 4)).toEqual({ kind: 'star', why: '3 workers in the round, a ring needs 4' });
    expect(chooseTopology('auto', three, 3).kind).toBe('ring');
    expect(chooseTopology('ring', [member('a', [0])], 4)).toEqual({ kind: 'star', why: '1 worker in the round, a ring needs 2' });
    expect(chooseTopology('ring', [member('a', [0]), member('b', [1], false)], 2)).toEqual({ kind: 'star', why: 'no peer address from b' });
  });
});
