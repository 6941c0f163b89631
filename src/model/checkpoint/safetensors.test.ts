import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_ROOT } from '../../../scripts/lib/videomae-fixtures.ts';
import { CheckpointFormatError, MissingCheckpointFileError } from './errors.ts';
import { readWeights } from './load.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';
import { halfToFloat } from './state-dict.ts';

const read = (path: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES_ROOT, path)));
const f32 = readSafetensors(read('tiny_cls_meanpool/model.safetensors')).tensors;

/** float32 -> nearest float16 (round to nearest even), as torch's .half() does, back as float32. */
function roundToHalf(value: number): number {
  const f = new Float32Array([value]);
  const bits = new Uint32Array(f.buffer)[0]!;
  const sign = bits >>> 31;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  let half: number;
  if (exponent >= 31) half = (sign << 15) | 0x7c00;
  else if (exponent <= 0) {
    // Subnormal half: shift the implicit bit in, then round to nearest even.
    if (exponent < -10) half = sign << 15;
    else {
      const m = mantissa | 0x800000;
      const shift = 14 - exponent;
      let h = m >>> shift;
      const rest = m & ((1 << shift) - 1);
      const halfway = 1 << (shift - 1);
      if (rest > halfway || (rest === halfway && h & 1)) h++;
      half = (sign << 15) | h;
    }
  } else {
    let h = (exponent << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
    half = (sign << 15) | h;
  }
  return halfToFloat(half);
}

/** float32 -> nearest bfloat16 (round to nearest even), back as float32. */
function roundToBfloat16(value: number): number {
  const words = new Uint32Array(new Float32Array([value]).buffer);
  const bits = words[0]!;
  const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
  return new Float32Array(new Uint32Array([rounded >>> 0]).buffer)[0]!;
}

describe('safetensors', () => {
  it('reads the fixture: every tensor F32 in PyTorch shapes, with the format metadata', () => {
    const { tensors, metadata } = readSafetensors(read('tiny_cls_meanpool/model.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.size).toBe(36);
    expect(tensors.get('videomae.embeddings.patch_embeddings.projection.weight')!.shape).toEqual([
      32, 3, 2, 8, 8,
    ]);
    expect(tensors.get('videomae.encoder.layer.1.output.dense.weight')!.shape).toEqual([32, 64]);
    expect(
      [...tensors.values()].every(
        (t) => t.dtype === 'F32' && t.data.length === t.shape.reduce((a, b) => a * b, 1),
      ),
    ).toBe(true);
  });

  for (const [variant, round] of [
    ['f16', roundToHalf],
    ['bf16', roundToBfloat16],
  ] as const) {
    it(`widens ${variant} to float32 values equal to the float32 fixture rounded to ${variant}`, () => {
      const narrow = readSafetensors(read(`dtype_variants/${variant}/model.safetensors`)).tensors;
      expect([...narrow.keys()].sort()).toEqual([...f32.keys()].sort());
      let compared = 0;
      let changed = 0;
      for (const [name, t] of narrow) {
        expect(t.dtype).toBe(variant.toUpperCase());
        const reference = f32.get(name)!;
        expect(t.shape).toEqual(reference.shape);
        for (let i = 0; i < t.data.length; i++) {
          const expected = round(reference.data[i]!);
          if (!Object.is(t.data[i], expected)) throw new Error(`${name}[${i}]: ${t.data[i]} != ${expected}`);
          if (expected !== reference.data[i]) changed++;
          compared++;
        }
      }
      // The rounding really happened (the comparison is not trivially f32 == f32).
      expect(changed).toBeGreaterThan(compared / 2);
    });
  }

  it('writes the file byte for byte as the reference writer did', () => {
    const original = read('tiny_cls_meanpool/model.safetensors');
    const written = writeSafetensors([...f32].map(([name, t]) => [name, t] as const));
    expect(written.length).toBe(original.length);
    expect(Buffer.from(written).equals(Buffer.from(original))).toBe(true);
  });

  it('lays the header out as HF expects: LE length, compact JSON padded with spaces to 8, metadata first', () => {
    const written = writeSafetensors([
      ['b', { shape: [3], data: new Float32Array([1, 2, 3]) }],
      ['a.weight', { shape: [1, 2], data: new Float32Array([-0, 5.5]) }],
    ]);
    const length = Number(new DataView(written.buffer).getBigUint64(0, true));
    expect(length % 8).toBe(0);
    const header = new TextDecoder().decode(written.subarray(8, 8 + length));
    expect(header.trimEnd()).toBe(
      '{"__metadata__":{"format":"pt"},"a.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},' +
        '"b":{"dtype":"F32","shape":[3],"data_offsets":[8,20]}}',
    );
    expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/);
    const back = readSafetensors(written).tensors;
    expect(Object.is(back.get('a.weight')!.data[0], -0)).toBe(true);
    expect([...back.get('b')!.data]).toEqual([1, 2, 3]);
  });

  it('names the file and the reason for broken input', () => {
    const good = read('tiny_cls_meanpool/model.safetensors');
    expect(() => readSafetensors(good.subarray(0, 5000), 'cut.safetensors')).toThrow(CheckpointFormatError);
    expect(() => readSafetensors(good.subarray(0, 5000), 'cut.safetensors')).toThrow(
      /cut\.safetensors: tensor .* lies outside the data/,
    );
    expect(() => readSafetensors(good.subarray(0, 100), 'short.safetensors')).toThrow(
      /short\.safetensors: header length/,
    );
    expect(() =>
      readSafetensors(new TextEncoder().encode('<html>not found</html>'), 'page.safetensors'),
    ).toThrow(/page\.safetensors/);
    const bad = writeSafetensors([['x', { shape: [2], data: new Float32Array(2) }]]);
    const text = new TextDecoder().decode(bad).replace('"F32"', '"C64"');
    expect(() => readSafetensors(new TextEncoder().encode(text), 'odd.safetensors')).toThrow(
      /unsupported dtype C64/,
    );
  });

  it('reads a sharded checkpoint through its index, and says which shard is missing', async () => {
    const entries = [...f32];
    const shardA = writeSafetensors(entries.slice(0, 20));
    const shardB = writeSafetensors(entries.slice(20));
    const weightMap = Object.fromEntries(
      entries.map(([name], i) => [
        name,
        i < 20 ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors',
      ]),
    );
    const files = new Map<string, Uint8Array>([
      [
        'model.safetensors.index.json',
        new TextEncoder().encode(JSON.stringify({ metadata: { total_size: 1 }, weight_map: weightMap })),
      ],
      ['model-00001-of-00002.safetensors', shardA],
      ['model-00002-of-00002.safetensors', shardB],
    ]);
    const result = await readWeights(async (name) => files.get(name) ?? null, 'sharded');
    expect(result.format).toBe('safetensors-sharded');
    expect(result.weightFiles).toEqual([
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    expect([...result.stateDict.keys()].sort()).toEqual([...f32.keys()].sort());
    for (const [name, t] of f32) expect(result.stateDict.get(name)!.data).toEqual(t.data);
    files.delete('model-00002-of-00002.safetensors');
    await expect(readWeights(async (name) => files.get(name) ?? null, 'sharded')).rejects.toThrow(
      MissingCheckpointFileError,
    );
    await expect(readWeights(async () => null, 'empty dir')).rejects.toThrow(/empty dir: no weights found/);
  });
});
