import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROTO_FILE } from './index.ts';
import { JOB_STATES, LEAVE_REASONS, PART_NAMES, PLACEMENT_STATES, RUN_END_REASONS, WORKER_STATES, partFromWire, partToWire } from './vocabulary.ts';

const proto = readFileSync(PROTO_FILE, 'utf8');

/** The quoted values in the comment lines just above `field` inside `message`. */
function documentedValues(message: string, field: string): string[] {
  const body = new RegExp(`message ${message} \\{([\\s\\S]*?)\\n\\}`).exec(proto)?.[1];
  if (!body) throw new Error(`message ${message} not in kfkd.proto`);
  const lines = body.split('\n');
  const at = lines.findIndex((line) => line.trim().startsWith(`${field} =`) || new RegExp(`\\s${field} = \\d+;`).test(line));
  if (at < 0) throw new Error(`${message}.${field} not in kfkd.proto`);
  const comment: string[] = [];
  for (let i = at - 1; i >= 0 && lines[i]!.trim().startsWith('//'); i--) comment.unshift(lines[i]!);
  return [...comment.join(' ').matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
}

describe('the wire vocabulary', () => {
  it('lists exactly the values kfkd.proto documents for each string field', () => {
    expect(documentedValues('WorkerStatus', 'state')).toEqual([...WORKER_STATES]);
    expect(documentedValues('WorkerGone', 'reason')).toEqual([...LEAVE_REASONS]);
    expect(documentedValues('RunFinished', 'reason')).toEqual([...RUN_END_REASONS]);
    expect(documentedValues('JobStatus', 'state')).toEqual([...JOB_STATES]);
    expect(documentedValues('WorkerPlacement', 'state')).toEqual([...PLACEMENT_STATES]);
  });

  it('maps every part to a value of the Part enum and back', () => {
    const enumValues = [...(/enum Part \{([\s\S]*?)\}/.exec(proto)?.[1] ?? '').matchAll(/(PART_[A-Z]+) = \d+;/g)].map((m) => m[1]);
    expect(enumValues).toEqual(['PART_UNSPECIFIED', ...PART_NAMES.map(partToWire)]);
    for (const part of PART_NAMES) expect(partFromWire(partToWire(part))).toBe(part);
    expect(partFromWire('PART_UNSPECIFIED')).toBeUndefined();
  });
});
