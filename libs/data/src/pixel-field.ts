const SPACE = 0x20;
const TAB = 0x09;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * Decodes a Kaggle `Image` field (space-separated integers 0..255) into
 * `out[offset .. offset+expected)`.
 *
 * This runs for 9216 numbers per row, so it is a single charCode loop with
 * no intermediate strings or arrays. Runs of spaces or tabs count as one
 * separator, as numpy's fromstring(sep=' ') allows.
 *
 * Returns undefined on success, else a description of the problem. Pixels
 * past `expected` are counted (to say how many there were) but never written.
 */
export function decodePixelField(field: string, out: Uint8Array, offset: number, expected: number): string | undefined {
  let count = 0;
  let value = 0;
  let inNumber = false;
  const length = field.length;
  for (let i = 0; i < length; i++) {
    const c = field.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      value = value * 10 + (c - DIGIT_0);
      if (value > 255) return badPixel(field, i, count);
      inNumber = true;
    } else if (c === SPACE || c === TAB) {
      if (inNumber) {
        if (count < expected) out[offset + count] = value;
        count++;
        value = 0;
        inNumber = false;
      }
    } else {
      return badPixel(field, i, count);
    }
  }
  if (inNumber) {
    if (count < expected) out[offset + count] = value;
    count++;
  }
  return count === expected ? undefined : `expected ${expected} pixels, found ${count}`;
}

/** Describes the pixel that contains character `at`: its index and its whole text. */
function badPixel(field: string, at: number, index: number): string {
  let start = at;
  while (start > 0 && !isSeparator(field.charCodeAt(start - 1))) start--;
  let end = at;
  while (end < field.length && !isSeparator(field.charCodeAt(end))) end++;
  const text = field.slice(start, Math.min(end, start + 20));
  return `pixel ${index} is ${JSON.stringify(text)}, expected an integer 0..255`;
}

function isSeparator(c: number): boolean {
  return c === SPACE || c === TAB;
}
