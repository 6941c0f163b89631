import { describe, expect, it } from 'vitest';
import { axisTaps, psnr, resampleWindow, resizeRgb, rotateRgb, workingSize, type RgbFrame } from './image.ts';

function gradient(width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = x * 2;
      data[o + 1] = y * 3;
      data[o + 2] = (x + y) % 256;
    }
  }
  return { width, height, data };
}

describe('resampling', () => {
  it('has normalised taps that widen when shrinking', () => {
    const down = axisTaps(300, 100, 0, 100);
    const up = axisTaps(100, 300, 0, 300);
    for (const taps of [down, up]) {
      for (let i = 0; i < taps.start.length; i++) {
        let sum = 0;
        for (let k = 0; k < taps.count[i]!; k++) sum += taps.weights[i * taps.maxTaps + k]!;
        expect(sum).toBeCloseTo(1, 5);
      }
    }
    // Shrinking 3x averages ~6 source samples (triangle of radius 3); enlarging blends at most 2.
    expect(Math.max(...down.count.slice(1, -1))).toBeGreaterThanOrEqual(5);
    expect(Math.max(...up.count)).toBeLessThanOrEqual(2);
  });

  it('reproduces bilinear interpolation when enlarging 2x (align_corners=False)', () => {
    const src: RgbFrame = { width: 2, height: 1, data: new Uint8Array([0, 0, 0, 100, 100, 100]) };
    const out = resizeRgb(src, 4, 1);
    // Output centres at 0.25, 0.75, 1.25, 1.75 in source pixels -> 0, 25, 75, 100 (edges clamp).
    expect(Array.from(out.data.filter((_, i) => i % 3 === 0))).toEqual([0, 25, 75, 100]);
  });

  it('keeps a linear ramp linear when shrinking', () => {
    const src = gradient(120, 80);
    const out = resizeRgb(src, 60, 40);
    // Away from the borders, red = 2x at the output pixel centre, mapped back to source coordinates.
    for (const x of [5, 20, 40, 54]) {
      const expected = 2 * ((x + 0.5) * 2 - 0.5);
      expect(Math.abs(out.data[(10 * 60 + x) * 3]! - expected)).toBeLessThanOrEqual(1);
    }
  });

  it('produces exactly the window of the full resize', () => {
    const src = gradient(97, 61);
    const full = resampleWindow(src, {
      scaledWidth: 150,
      scaledHeight: 100,
      x: 0,
      y: 0,
      width: 150,
      height: 100,
    });
    const win = resampleWindow(src, {
      scaledWidth: 150,
      scaledHeight: 100,
      x: 33,
      y: 17,
      width: 64,
      height: 48,
    });
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        for (let c = 0; c < 3; c++) {
          expect(win[(y * 64 + x) * 3 + c]).toBeCloseTo(full[((y + 17) * 150 + x + 33) * 3 + c]!, 3);
        }
      }
    }
  });
});

describe('rotation and sizes', () => {
  it('rotates clockwise and back', () => {
    const src = gradient(5, 3);
    const r90 = rotateRgb(src, 90);
    expect([r90.width, r90.height]).toEqual([3, 5]);
    // Clockwise: the source's bottom-left pixel becomes the top-left.
    expect(Array.from(r90.data.slice(0, 3))).toEqual(Array.from(src.data.slice(2 * 5 * 3, 2 * 5 * 3 + 3)));
    expect(rotateRgb(rotateRgb(r90, 180), 90).data).toEqual(src.data);
    expect(rotateRgb(r90, 270).data).toEqual(src.data);
  });

  it('shrinks to the working short side, never enlarges', () => {
    expect(workingSize(320, 240, 256)).toEqual({ width: 320, height: 240 });
    expect(workingSize(1920, 1080, 256)).toEqual({ width: 455, height: 256 });
    expect(workingSize(1080, 1920, 128)).toEqual({ width: 128, height: 228 });
  });

  it('psnr is infinite for equal images and drops with noise', () => {
    const a = gradient(20, 20).data;
    const b = a.map((v, i) => (i % 7 === 0 ? Math.min(255, v + 10) : v));
    expect(psnr(a, a)).toBe(Infinity);
    expect(psnr(a, b)).toBeGreaterThan(30);
    expect(psnr(a, b)).toBeLessThan(40);
  });
});
