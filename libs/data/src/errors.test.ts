import { describe, expect, it } from 'vitest';
import { closestName, DataFormatError } from './errors.ts';

describe('DataFormatError', () => {
  it('reads like a compiler error and keeps the location in fields', () => {
    const error = new DataFormatError({ file: 'training.csv', line: 12, column: 'Image' }, 'expected 9216 pixels, found 9215');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DataFormatError');
    expect(error.message).toBe('training.csv:12: column Image: expected 9216 pixels, found 9215');
    expect([error.file, error.line, error.column, error.detail]).toEqual(['training.csv', 12, 'Image', 'expected 9216 pixels, found 9215']);
  });

  it('leaves out what it does not know', () => {
    expect(new DataFormatError({ file: 'test.csv', line: 3, column: null }, 'expected 2 fields, found 3').message).toBe('test.csv:3: expected 2 fields, found 3');
    expect(new DataFormatError({ file: 'test.csv', line: null, column: null }, 'file not found').message).toBe('test.csv: file not found');
  });
});

describe('closestName', () => {
  const names = ['left_eye_center_x', 'left_eye_center_y', 'nose_tip_x', 'ImageId', 'Image'];

  it('finds a misspelling, ignoring case', () => {
    expect(closestName('left_eye_centre_x', names)).toBe('left_eye_center_x');
    expect(closestName('imageid', names)).toBe('ImageId');
    expect(closestName('nose_tipx', names)).toBe('nose_tip_x');
  });

  it('suggests nothing for a name that is not close to any', () => {
    expect(closestName('Location', names)).toBeUndefined();
    expect(closestName('xyz', names)).toBeUndefined();
  });
});
