/**
 * `npm run bench -- attention-node [--shapes all|small|full] [--reps N] [--backend-flags backend=vulkan]
 * [--compat]`: the fused WGSL attention against tfjs's stock ops (bench/attention.ts's comparison) on tfjs's
 * webgpu backend in Node on Dawn, so it runs where there is a GPU but no browser (scripts/gpu/ bundles it).
 * Both paths interleaved per rep; each timing waits for the result on the device (a scalar read back).
 */
import type * as tfTypes from '@tensorflow/tfjs-core';
import { median, toSignificant as round } from '../src/util/stats.ts';
import type { BenchArgs } from './run.ts';
import { installDawn } from './train-node.ts';

type Shape = [batch: number, heads: number, tokens: number, headDim: number];
const SHAPES: Record<'full' | 'small', Shape> = { full: [1, 12, 1568, 64], small: [4, 6, 392, 64] };
type Path = 'stock' | 'fused';
type Mode = 'forward' | 'forwardBackward';

export async function run(args: BenchArgs): Promise<unknown> {
  const which = String(args.shapes ?? 'all');
  const names = which === 'all' ? (['small', 'full'] as const) : ([which] as ['small' | 'full']);
  if (!names.every((n) => n in SHAPES)) throw new Error(`--shapes must be all, small or full (got ${which})`);
  const reps = Number(args.reps ?? 3);
  const flags = typeof args['backend-flags'] === 'string' ? args['backend-flags'].split(',') : [];
  const dawn = installDawn(flags, args.compat === true);
  // The full package: it registers the gradients tf.grads needs (tfjs-core alone has none).
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  const { registerWebGPUBackend } = await import('../src/worker/webgpu-device.ts');
  const { attentionPath, fusedAttention, stockAttention } = await import('../src/kernels/attention.ts');
  registerWebGPUBackend();
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its webgpu backend on Dawn');
  await tf.ready();

  const settle = async (ts: tfTypes.Tensor[]): Promise<void> => {
    const total = tf.tidy(() => tf.addN(ts.map((t) => tf.sum(t))));
    await total.data();
    tf.dispose([total, ...ts]);
  };
  const timeOnce = async (shape: Shape, path: Path, mode: Mode): Promise<number> => {
    const [b, h, n, d] = shape;
    const [q, k, v, dy] = [1, 2, 3, 4].map((s) => tf.randomNormal([b, h, n, d], 0, 1, 'float32', s));
    await settle([tf.add(q!, tf.add(k!, tf.add(v!, dy!)))]);
    const fn = path === 'fused' ? fusedAttention : stockAttention;
    const started = performance.now();
    if (mode === 'forward')
      await settle([fn(q as tfTypes.Tensor4D, k as tfTypes.Tensor4D, v as tfTypes.Tensor4D)]);
    else {
      const grads = tf.grads((a: tfTypes.Tensor, c: tfTypes.Tensor, e: tfTypes.Tensor) =>
        tf.sum(tf.mul(fn(a as tfTypes.Tensor4D, c as tfTypes.Tensor4D, e as tfTypes.Tensor4D), dy!)),
      )([q!, k!, v!]);
      await settle(grads);
    }
    const ms = performance.now() - started;
    tf.dispose([q!, k!, v!, dy!]);
    return ms;
  };

  const results = [];
  for (const name of names) {
    const shape = SHAPES[name];
    const [b, h, n, d] = shape;
    const probe = tf.zeros([b, h, n, d]) as tfTypes.Tensor4D;
    const chosen = attentionPath(probe, probe, probe);
    probe.dispose();
    const times: Record<Path, Record<Mode, number[]>> = {
      stock: { forward: [], forwardBackward: [] },
      fused: { forward: [], forwardBackward: [] },
    };
    // Rep 0 compiles every pipeline either path needs; it is reported but not in the medians.
    for (let rep = 0; rep <= reps; rep++) {
      for (const mode of ['forward', 'forwardBackward'] as const) {
        for (const path of ['stock', 'fused'] as const) {
          const ms = await timeOnce(shape, path, mode);
          console.error(`[attention-node] ${name} rep ${rep}/${reps} ${path} ${mode}: ${ms.toFixed(1)} ms`);
          if (rep > 0) times[path][mode].push(round(ms, 4));
        }
      }
    }
    const med = (p: Path, m: Mode) => round(median(times[p][m]), 4);
    results.push({
      shape: name,
      batch: b,
      heads: h,
      tokens: n,
      headDim: d,
      pathAttentionChooses: chosen,
      times,
      medianMs: {
        stock: { forward: med('stock', 'forward'), forwardBackward: med('stock', 'forwardBackward') },
        fused: { forward: med('fused', 'forward'), forwardBackward: med('fused', 'forwardBackward') },
      },
      speedupFusedOverStock: {
        forward: round(med('stock', 'forward') / med('fused', 'forward'), 3),
        forwardBackward: round(med('stock', 'forwardBackward') / med('fused', 'forwardBackward'), 3),
      },
    });
  }
  return { benchmark: 'attention-node', adapter: dawn.adapter(), reps, results };
}
