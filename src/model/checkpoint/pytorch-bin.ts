/**
 * `pytorch_model.bin` as `torch.save` writes it since PyTorch 1.6: a zip holding `<name>/data.pkl` (the
 * pickled state dict, whose tensors point at storages by key) and one `<name>/data/<key>` entry per
 * storage. The pickle is read by the restricted unpickler; nothing in it is executed.
 */
import { unzipSync } from 'fflate';
import { CheckpointFormatError } from './errors.ts';
import { PyDict, TensorRef, unpickle } from './pickle.ts';
import { decodeElements, itemSize, shapeNumel, type StateDict } from './state-dict.ts';

/** Wrappers some training scripts put around the state dict. */
const WRAPPER_KEYS = ['state_dict', 'model', 'module', 'model_state'];

export function readPytorchBin(bytes: Uint8Array, file = 'pytorch_model.bin'): StateDict {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw new CheckpointFormatError(
      file,
      'is in the legacy (before PyTorch 1.6) format; re-save it with a current torch.save or convert it to safetensors',
    );
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new CheckpointFormatError(file, 'is not a PyTorch checkpoint (not a zip archive)');
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new CheckpointFormatError(
      file,
      `cannot read the zip archive (${(error as Error).message}); truncated download?`,
    );
  }
  const pickleName = Object.keys(entries).find((name) => /(^|\/)data\.pkl$/.test(name));
  if (!pickleName) throw new CheckpointFormatError(file, 'has no data.pkl: not a torch.save archive');
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const byteOrderEntry = entries[`${prefix}byteorder`];
  const bigEndian = byteOrderEntry ? new TextDecoder().decode(byteOrderEntry).trim() === 'big' : false;

  const unpickled = unpickle(entries[pickleName]!, { file });
  if (!(unpickled instanceof PyDict))
    throw new CheckpointFormatError(file, 'does not hold a state dict (the pickle is not a dict)');
  let root: PyDict = unpickled;
  if (![...root.values()].some((v) => v instanceof TensorRef)) {
    const wrapped = WRAPPER_KEYS.map((k) => unpickled.get(k)).find((v) => v instanceof PyDict);
    if (wrapped instanceof PyDict) root = wrapped;
  }

  const storages = new Map<string, Float32Array>();
  const storageData = (ref: TensorRef): Float32Array => {
    const { key, dtype, numel } = ref.storage;
    let data = storages.get(key);
    if (!data) {
      const raw = entries[`${prefix}data/${key}`];
      if (!raw) throw new CheckpointFormatError(file, `storage ${key} is missing from the archive`);
      if (raw.length < numel * itemSize(dtype))
        throw new CheckpointFormatError(
          file,
          `storage ${key} has ${raw.length} bytes, ${numel} ${dtype} values need ${numel * itemSize(dtype)}`,
        );
      if (bigEndian) swapBytes(raw, itemSize(dtype));
      data = decodeElements(raw, 0, numel, dtype);
      storages.set(key, data);
    }
    return data;
  };

  const tensors: StateDict = new Map();
  for (const [name, value] of root) {
    if (typeof name !== 'string' || !(value instanceof TensorRef)) continue;
    const storage = storageData(value);
    tensors.set(name, {
      dtype: value.storage.dtype,
      shape: value.shape,
      data: gather(storage, value, file, name),
    });
  }
  return tensors;
}

/** The tensor's elements in C order, copying out of the storage unless it already is a contiguous block. */
function gather(storage: Float32Array, ref: TensorRef, file: string, name: string): Float32Array {
  const { shape, stride, offset } = ref;
  const count = shapeNumel(shape);
  if (stride.length !== shape.length)
    throw new CheckpointFormatError(file, `${name}: stride and size differ in rank`);
  let last = offset;
  for (let d = 0; d < shape.length; d++) if (shape[d]! > 0) last += (shape[d]! - 1) * stride[d]!;
  if (count > 0 && (offset < 0 || last >= storage.length))
    throw new CheckpointFormatError(file, `${name} reads past the end of its storage`);
  let contiguous = true;
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) contiguous = false;
    expected *= shape[d]!;
  }
  if (contiguous) {
    const view = storage.subarray(offset, offset + count);
    // A tensor that is its whole storage keeps sharing it; slices of a bigger storage are copied so that
    // the storage can be freed.
    return view.length === storage.length ? view : view.slice();
  }
  const out = new Float32Array(count);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let source = offset;
    for (let d = 0; d < shape.length; d++) source += index[d]! * stride[d]!;
    out[i] = storage[source]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

function swapBytes(data: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= data.length; i += size) data.subarray(i, i + size).reverse();
}
