import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FIXTURES_ROOT } from '../../../scripts/lib/videomae-fixtures.ts';
import { CheckpointFormatError, UnsafePickleError } from './errors.ts';
import { unpickle } from './pickle.ts';
import { readPytorchBin } from './pytorch-bin.ts';
import { readSafetensors } from './safetensors.ts';
import type { StateDict } from './state-dict.ts';

const read = (path: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES_ROOT, path)));

/** Emits pickle opcodes by hand, to build the malicious and unusual pickles a real torch.save never writes. */
class PickleWriter {
  private readonly out: number[] = [0x80, 2];
  private op(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }
  private text(s: string): number[] {
    return [...new TextEncoder().encode(s)];
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...this.text(`${module}\n${name}\n`));
  }
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).op(0x93);
  }
  str(s: string): this {
    const bytes = this.text(s);
    return this.op(0x58, ...new Uint8Array(new Uint32Array([bytes.length]).buffer), ...bytes);
  }
  int(n: number): this {
    return this.op(0x4a, ...new Uint8Array(new Int32Array([n]).buffer));
  }
  mark(): this {
    return this.op(0x28);
  }
  tuple(): this {
    return this.op(0x74);
  }
  tuple1(): this {
    return this.op(0x85);
  }
  emptyTuple(): this {
    return this.op(0x29);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  setItems(): this {
    return this.op(0x75);
  }
  reduce(): this {
    return this.op(0x52);
  }
  persistentId(): this {
    return this.op(0x51);
  }
  newFalse(): this {
    return this.op(0x89);
  }
  stop(): Uint8Array {
    return new Uint8Array([...this.out, 0x2e]);
  }
  /** `_rebuild_tensor_v2(('storage', torch.FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict())` */
  tensor(key: string, numel: number, offset: number, size: number[], stride: number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark()
      .str('storage')
      .global('torch', 'FloatStorage')
      .str(key)
      .str('cpu')
      .int(numel)
      .tuple()
      .persistentId();
    this.int(offset);
    this.mark();
    size.forEach((d) => this.int(d));
    this.tuple().mark();
    stride.forEach((d) => this.int(d));
    this.tuple().newFalse().global('collections', 'OrderedDict').emptyTuple().reduce();
    return this.tuple().reduce();
  }
}

function torchZip(
  pickle: Uint8Array,
  storages: Record<string, Float32Array>,
  prefix = 'archive',
): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {
    [`${prefix}/data.pkl`]: [pickle, { level: 0 }],
    [`${prefix}/byteorder`]: [new TextEncoder().encode('little'), { level: 0 }],
  };
  for (const [key, data] of Object.entries(storages))
    files[`${prefix}/data/${key}`] = [new Uint8Array(data.buffer), { level: 0 }];
  return zipSync(files);
}

function expectBitIdentical(a: StateDict, b: StateDict): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, t] of a) {
    const other = b.get(name)!;
    expect(other.shape, name).toEqual(t.shape);
    expect(other.dtype, name).toBe(t.dtype);
    const x = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
    const y = new Uint32Array(other.data.buffer, other.data.byteOffset, other.data.length);
    expect(
      Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
        Buffer.from(y.buffer, y.byteOffset, y.byteLength),
      ),
      name,
    ).toBe(true);
  }
}

describe('pytorch_model.bin', () => {
  for (const fixture of ['tiny_cls_meanpool', 'tiny_pretrain']) {
    it(`gives tensors bit-identical to model.safetensors (${fixture})`, () => {
      const fromBin = readPytorchBin(read(`${fixture}/pytorch_model.bin`));
      const fromSafetensors = readSafetensors(read(`${fixture}/model.safetensors`)).tensors;
      expect(fromBin.size).toBeGreaterThan(30);
      expectBitIdentical(fromBin, fromSafetensors);
    });
  }

  it('reads an archive whose top folder has another name (torch.save uses the file stem)', () => {
    const original = unzipSync(read('tiny_cls_meanpool/pytorch_model.bin'));
    const renamed = Object.fromEntries(
      Object.entries(original).map(([name, bytes]) => [
        name.replace(/^[^/]+\//, 'archive/'),
        [bytes, { level: 0 }] as [Uint8Array, { level: 0 }],
      ]),
    );
    expectBitIdentical(
      readPytorchBin(zipSync(renamed)),
      readPytorchBin(read('tiny_cls_meanpool/pytorch_model.bin')),
    );
  });

  it('gathers strided views (a transposed tensor, a slice of a shared storage)', () => {
    const storage = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const pickle = new PickleWriter()
      .emptyDict()
      .mark()
      .str('transposed')
      .tensor('0', 8, 0, [3, 2], [1, 3]) // view of a [2, 3] block, transposed
      .str('sliced')
      .tensor('0', 8, 5, [3], [1])
      .setItems()
      .stop();
    const dict = readPytorchBin(torchZip(pickle, { '0': storage }));
    expect(dict.get('transposed')!.shape).toEqual([3, 2]);
    expect([...dict.get('transposed')!.data]).toEqual([0, 3, 1, 4, 2, 5]);
    expect([...dict.get('sliced')!.data]).toEqual([5, 6, 7]);
  });

  for (const [module, name, how] of [
    ['os', 'system', 'GLOBAL'],
    ['posix', 'system', 'GLOBAL'],
    ['builtins', 'eval', 'STACK_GLOBAL'],
    ['subprocess', 'Popen', 'STACK_GLOBAL'],
  ] as const) {
    it(`refuses a pickle that names ${module}.${name} (${how}) and executes nothing`, () => {
      const writer = new PickleWriter();
      // A legitimate-looking state dict whose second entry is the payload.
      writer.emptyDict().mark().str('ok').tensor('0', 2, 0, [2], [1]).str('payload');
      if (how === 'GLOBAL') writer.global(module, name);
      else writer.stackGlobal(module, name);
      const pickle = writer.str('touch /tmp/pwned').tuple1().reduce().setItems().stop();
      const zip = torchZip(pickle, { '0': new Float32Array([1, 2]) });
      let error: unknown;
      try {
        readPytorchBin(zip, 'evil.bin');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnsafePickleError);
      expect((error as UnsafePickleError).name).toBe('UnsafePickleError');
      expect((error as UnsafePickleError).global).toBe(`${module}.${name}`);
      expect((error as Error).message).toMatch(
        new RegExp(`^evil\\.bin: refused to load: the pickle references ${module}\\.${name}`),
      );
    });
  }

  it('refuses extension-registry opcodes and torch globals that are not plain tensors', () => {
    const ext = new Uint8Array([0x80, 2, 0x82, 1, 0x29, 0x52, 0x2e]);
    expect(() => unpickle(ext, { file: 'ext.pkl' })).toThrow(UnsafePickleError);
    const sparse = new PickleWriter()
      .global('torch._utils', '_rebuild_sparse_tensor')
      .emptyTuple()
      .reduce()
      .stop();
    expect(() => unpickle(sparse, { file: 'sparse.pkl' })).toThrow(/torch\._utils\._rebuild_sparse_tensor/);
    // A storage type is allowed as a name but cannot be called.
    const callStorage = new PickleWriter().global('torch', 'FloatStorage').emptyTuple().reduce().stop();
    expect(() => unpickle(callStorage, { file: 'x.pkl' })).toThrow(CheckpointFormatError);
  });

  it('says what is wrong with files that are not torch zip checkpoints', () => {
    expect(() => readPytorchBin(new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 0x6c]), 'old.bin')).toThrow(
      /old\.bin: is in the legacy/,
    );
    expect(() => readPytorchBin(new TextEncoder().encode('Entry not found'), 'page.bin')).toThrow(
      /page\.bin: is not a PyTorch checkpoint/,
    );
    const bin = read('tiny_cls_meanpool/pytorch_model.bin');
    expect(() => readPytorchBin(bin.subarray(0, bin.length - 100), 'cut.bin')).toThrow(CheckpointFormatError);
    const noPickle = zipSync({ 'a/readme.txt': new Uint8Array([1]) });
    expect(() => readPytorchBin(noPickle, 'other.zip')).toThrow(/other\.zip: has no data\.pkl/);
  });
});
