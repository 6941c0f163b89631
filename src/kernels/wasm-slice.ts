/**
 * Slice, Unpack and SplitV for tfjs-backend-wasm that read their input in place.
 *
 * The stock wasm Slice (4.22) starts with `backend.readSync(x)`, which copies the *whole* input out of the
 * wasm heap before copying the requested part: taking one [196, 196] matrix out of a [24, 196, 196] tensor
 * costs as much as copying all 24, and unstacking it costs 24 times that (measured: 440 ms to unstack
 * 3.7 MB, against 0.45 ms for one of the matMuls that follow). Unpack and SplitV call that Slice for every
 * piece. These replacements view the input on the heap and copy only the requested runs. String tensors
 * keep the stock kernels (they do not live on the heap).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Copies x[begin : begin + size] (any rank, float32/int32/bool) from the heap into a new output. */
function sliceOnHeap(backend: BackendWasm, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (size.some((d) => d === 0)) return out;
  // Views are taken after makeOutput: its allocation may grow (and so replace) the heap's buffer.
  const input = backend.typedArrayFromHeap(x);
  const output = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (rank === 0 || tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
    output.set(input.subarray(offset, offset + output.length));
    return out;
  }
  // Copy one innermost run at a time; `index` walks the outer dimensions of the slice like an odometer.
  const strides = [...tf.util.computeStrides(x.shape), 1];
  const run = size[rank - 1]!;
  const index = new Array<number>(rank - 1).fill(0);
  for (let written = 0; written < output.length; written += run) {
    let offset = begin[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) offset += (begin[d]! + index[d]!) * strides[d]!;
    output.set(input.subarray(offset, offset + run), written);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d]! < size[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

function slice(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    const attrs = args.attrs as unknown as tf.SliceAttrs;
    const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
    return sliceOnHeap(args.backend as BackendWasm, x, begin!, size!);
  };
}

function unpack(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const value = args.inputs.value as tf.TensorInfo;
    if (value.dtype === 'string') return stock(args);
    const rank = value.shape.length;
    const axis = tf.util.parseAxisParam((args.attrs as unknown as tf.UnpackAttrs).axis, value.shape)[0]!;
    const outShape = value.shape.filter((_, d) => d !== axis);
    const size = [...value.shape];
    size[axis] = 1;
    return Array.from({ length: value.shape[axis]! }, (_, i) => {
      const begin = new Array<number>(rank).fill(0);
      begin[axis] = i;
      const piece = sliceOnHeap(args.backend as BackendWasm, value, begin, size);
      return { ...piece, shape: outShape };
    });
  };
}

function splitV(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    const { numOrSizeSplits, axis: axisAttr } = args.attrs as unknown as tf.SplitVAttrs;
    const axis = tf.util.parseAxisParam(axisAttr, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((length) => {
      const size = [...x.shape];
      size[axis] = length;
      const piece = sliceOnHeap(args.backend as BackendWasm, x, [...begin], size);
      begin[axis]! += length;
      return piece;
    });
  };
}

const REPLACEMENTS: Record<string, (stock: tf.KernelFunc) => tf.KernelFunc> = {
  [tf.Slice]: slice,
  [tf.Unpack]: unpack,
  [tf.SplitV]: splitV,
};

const installed = new Set<string>();

/**
 * Registers the in-place kernels for the wasm backend in place of the stock ones (once; later calls do
 * nothing). Safe before or after the backend starts; needs tfjs-backend-wasm's kernels registered.
 */
export function installWasmSliceKernels(): void {
  for (const [kernelName, replace] of Object.entries(REPLACEMENTS)) {
    if (installed.has(kernelName)) continue;
    const stock = tf.getKernel(kernelName, 'wasm');
    if (!stock) continue;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...stock, kernelFunc: replace(stock.kernelFunc) });
    installed.add(kernelName);
  }
}
