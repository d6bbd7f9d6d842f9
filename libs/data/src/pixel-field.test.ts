import { describe, expect, it } from 'vitest';
import { decodePixelField } from './pixel-field.ts';

describe('decodePixelField', () => {
  it('decodes space-separated grey levels at an offset', () => {
    const out = new Uint8Array(6);
    expect(decodePixelField('0 7 255 12', out, 2, 4)).toBeUndefined();
    expect(Array.from(out)).toEqual([0, 0, 0, 7, 255, 12]);
  });

  it('counts, but never writes, pixels past the expected number', () => {
    const out = new Uint8Array(4);
    expect(decodePixelField('1 2 3 4 5', out, 1, 3)).toBe('expected 3 pixels, found 5');
    expect(out[0]).toBe(0);
    expect(decodePixelField('', out, 0, 3)).toBe('expected 3 pixels, found 0');
  });

  it('names the index and text of a pixel that is not an integer 0..255', () => {
    const out = new Uint8Array(4);
    expect(decodePixelField('1 2 300 4', out, 0, 4)).toBe('pixel 2 is "300", expected an integer 0..255');
    expect(decodePixelField('1 2.5 3 4', out, 0, 4)).toBe('pixel 1 is "2.5", expected an integer 0..255');
    expect(decodePixelField('1 2 3 4\r', out, 0, 4)).toBe('pixel 3 is "4\\r", expected an integer 0..255');
  });
});
