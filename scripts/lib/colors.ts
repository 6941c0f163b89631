/** Colours for the synthetic datasets' objects. */
import type { Rng } from '../../src/util/rng.ts';

/**
 * A saturated colour of random hue, each channel in [0, 1] (the hue wheel: red, yellow, green, cyan, blue,
 * magenta); the generators lift it into a light band so the object stands out on their dim backgrounds.
 */
export function randomHue(rng: Rng): [number, number, number] {
  const hue = rng.uniform(0, 6);
  const f = hue - Math.floor(hue);
  const wheel: [number, number, number][] = [
    [1, f, 0],
    [1 - f, 1, 0],
    [0, 1, f],
    [0, 1 - f, 1],
    [f, 0, 1],
    [1, 0, 1 - f],
  ];
  return wheel[Math.floor(hue) % 6]!;
}
