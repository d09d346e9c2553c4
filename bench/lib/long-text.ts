// Long texts for the screen-text bench and the linearity test (tests/screen-linear.test.ts): the
// same generators, so the test proves linear what the bench times.

/** Random strings from `alphabet`, seeded: every run draws the same sequence (one generator per caller). */
export function seededText(seed: number): (n: number, alphabet: string) => string {
  return (n, alphabet) => {
    let s = '';
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      s += alphabet[Math.floor(seed / 65536) % alphabet.length];
    }
    return s;
  };
}

/** `unit` repeated to exactly `n` characters. */
export const fill = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
