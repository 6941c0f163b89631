import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_STORAGE_BUFFERS_PER_STAGE, storageBindings } from './webgpu-program.ts';

const here = dirname(fileURLToPath(import.meta.url));
const sources = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(here, f), 'utf8') }));

/** Every input list a kernel source gives a program: `variableNames = [...]` or a constructor's list. */
function inputLists(text: string): string[][] {
  const lists = [
    ...text.matchAll(/variableNames\s*=\s*\[([^\]]*)\]/g),
    ...text.matchAll(/Program\(\s*'[^']*',\s*\[([^\]]*)\]/g),
  ];
  return lists.map((m) => [...m[1]!.matchAll(/'(\w+)'/g)].map((n) => n[1]!));
}

describe('storage buffers per shader stage (compatibility devices allow 8)', () => {
  it('counts inputs, the output and storage buffers the WGSL declares itself', () => {
    const program = (inputs: number, wgsl: string) => ({
      variableNames: Array.from({ length: inputs }, (_, i) => `X${i}`),
      getUserCode: () => wgsl,
    });
    expect(storageBindings(program(3, 'fn main(index : i32) {}'))).toBe(4);
    expect(storageBindings(program(6, '@group(1) @binding(0) var<storage, read> extra : array<f32>;'))).toBe(
      8,
    );
  });

  it('holds for every program in src/kernels, read from the sources', () => {
    const found: string[] = [];
    for (const { file, text } of sources) {
      // Programs bind through tfjs (one buffer per input, one output); none declares its own.
      expect(text, file).not.toMatch(/var\s*<\s*storage/);
      for (const names of inputLists(text)) {
        found.push(`${file}: ${names.join(',')}`);
        expect(names.length + 1, `${file}: ${names.join(', ')}`).toBeLessThanOrEqual(
          MAX_STORAGE_BUFFERS_PER_STAGE,
        );
      }
    }
    // The scan must see the programs it vouches for: attention, layer norm and GELU ones.
    expect(found.some((f) => f.includes('Q,K,V,DY,Fwd,Delta'))).toBe(true);
    expect(found.some((f) => f.startsWith('layer-norm.ts: X,Gamma,DY,Stats'))).toBe(true);
    expect(found.some((f) => f.startsWith('gelu.ts: DY,X'))).toBe(true);
  });
});
