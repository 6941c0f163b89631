import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm, disposeAll, GradientAccumulator } from './gradients.ts';
import { AdamOptimizer, OptimizerError, type OptimizerOptions } from './optimizers.ts';
import { maxScaledError, type OptimizerReference, type ReferenceScenario } from './testdata/reference.ts';

const reference = JSON.parse(
  readFileSync(new URL('./testdata/optimizer_reference.json', import.meta.url), 'utf8'),
) as OptimizerReference;

// Float32 arithmetic in a different order than torch's kernels: a few ulps per step, well under 1e-6.
const TOLERANCE = 1e-6;

function makeParams(): Map<string, tf.Variable> {
  const params = new Map<string, tf.Variable>();
  for (const [name, { shape, values }] of Object.entries(reference.params)) {
    params.set(
      name,
      tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'))),
    );
  }
  return params;
}

function gradsOf(values: Record<string, number[]>): Map<string, tf.Tensor> {
  const grads = new Map<string, tf.Tensor>();
  for (const [name, flat] of Object.entries(values)) {
    grads.set(name, tf.tensor(flat, reference.params[name]!.shape, 'float32'));
  }
  return grads;
}

function optionsOf(scenario: ReferenceScenario): OptimizerOptions {
  return {
    kind: scenario.kind,
    lr: scenario.lr,
    beta1: scenario.beta1,
    beta2: scenario.beta2,
    eps: scenario.eps,
    weightDecay: scenario.weight_decay,
    layerDecay: scenario.layer_decay,
    noWeightDecay: scenario.no_weight_decay,
    schedule: {
      kind: scenario.schedule.kind,
      warmupSteps: scenario.schedule.warmup_steps,
      totalSteps: scenario.schedule.total_steps,
    },
  };
}

async function expectNamedClose(
  actual: ReadonlyMap<string, tf.Tensor>,
  expected: Record<string, number[]>,
  what: string,
): Promise<void> {
  expect([...actual.keys()].sort()).toEqual(Object.keys(expected).sort());
  for (const [name, tensor] of actual) {
    const error = maxScaledError(await tensor.data(), expected[name]!);
    expect(error, `${what}: ${name}`).toBeLessThan(TOLERANCE);
  }
}

/** Runs one reference scenario through accumulation, clipping and the optimizer, checking every stage. */
async function replay(scenario: ReferenceScenario): Promise<void> {
  const params = makeParams();
  const optimizer = new AdamOptimizer(params, optionsOf(scenario));
  expect(optimizer.options.numLayers ?? reference.num_layers).toBe(reference.num_layers);
  for (const [name, group] of Object.entries(scenario.groups)) {
    const ours = optimizer.groupOf(name);
    expect({ name, ...ours }).toEqual({
      name,
      layerId: group.layer_id,
      lrScale: expect.closeTo(group.lr_scale, 14),
      weightDecay: group.weight_decay,
    });
  }
  for (const [index, record] of scenario.steps_record.entries()) {
    const accumulator = new GradientAccumulator();
    for (const micro of record.micro_grads) {
      const grads = gradsOf(micro);
      accumulator.add(grads);
      disposeAll(grads);
    }
    let grads = accumulator.take(scenario.reduction);
    await expectNamedClose(grads, record.accumulated, `${scenario.name} step ${index} accumulated`);
    if (scenario.clip_norm !== null) {
      const clipped = clipByGlobalNorm(grads, scenario.clip_norm);
      const norm = (await clipped.totalNorm.data())[0]!;
      expect(Math.abs(norm - record.total_norm!) / record.total_norm!).toBeLessThan(TOLERANCE);
      await expectNamedClose(clipped.grads, record.clipped!, `${scenario.name} step ${index} clipped`);
      clipped.totalNorm.dispose();
      disposeAll(grads);
      grads = clipped.grads;
    }
    for (const [name, lr] of Object.entries(record.group_lr)) {
      expect(optimizer.currentLr() * optimizer.groupOf(name).lrScale).toBeCloseTo(lr, 15);
    }
    const info = optimizer.step(grads);
    disposeAll(grads);
    expect(info.step).toBe(index + 1);
    expect(info.lr).toBeCloseTo(record.lr, 15);
    await expectNamedClose(params, record.params_after, `${scenario.name} params after step ${index}`);
  }
  const state = await optimizer.exportState();
  expect(state.step).toBe(scenario.steps_record.length);
  expect(Object.keys(state.slots).sort()).toEqual(Object.keys(scenario.final_state).sort());
  for (const [name, expected] of Object.entries(scenario.final_state)) {
    const slot = state.slots[name]!;
    expect(slot.step, name).toBe(expected.step);
    expect(maxScaledError(slot.m, expected.exp_avg), `exp_avg ${name}`).toBeLessThan(TOLERANCE);
    expect(maxScaledError(slot.v, expected.exp_avg_sq), `exp_avg_sq ${name}`).toBeLessThan(TOLERANCE);
  }
  optimizer.dispose();
  disposeAll(params);
}

describe('Adam / AdamW against torch.optim (reference from PyTorch ' + reference.torch_version + ')', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const scenario of reference.scenarios) {
    it(`${scenario.name}: groups, lr, accumulation, clipping, params and state match`, async () => {
      await replay(scenario);
    });
  }

  it('leaves a parameter without a gradient untouched, and its own step count behind', async () => {
    const params = makeParams();
    const optimizer = new AdamOptimizer(params, {
      ...optionsOf(reference.scenarios[0]!),
      schedule: { kind: 'constant', warmupSteps: 0, totalSteps: 10 },
    });
    const before = await params.get('classifier.bias')!.data();
    const grads = gradsOf(reference.scenarios[0]!.steps_record[0]!.micro_grads[0]!);
    grads.get('classifier.bias')!.dispose();
    grads.delete('classifier.bias');
    optimizer.step(grads);
    expect(Array.from(await params.get('classifier.bias')!.data())).toEqual(Array.from(before));
    const state = await optimizer.exportState();
    expect(state.slots['classifier.bias']).toBeUndefined();
    expect(state.slots['classifier.weight']!.step).toBe(1);
    disposeAll(grads);
    optimizer.dispose();
    disposeAll(params);
  });

  it('resumes from exported state bit-exactly (a checkpoint mid-run)', async () => {
    const scenario = reference.scenarios.find((s) => s.name === 'adamw_groups_cosine')!;
    const stepGrads = scenario.steps_record.map((r) => r.micro_grads[0]!);

    const straightParams = makeParams();
    const straight = new AdamOptimizer(straightParams, optionsOf(scenario));
    for (const values of stepGrads) {
      const grads = gradsOf(values);
      straight.step(grads);
      disposeAll(grads);
    }

    const firstParams = makeParams();
    const first = new AdamOptimizer(firstParams, optionsOf(scenario));
    for (const values of stepGrads.slice(0, 2)) {
      const grads = gradsOf(values);
      first.step(grads);
      disposeAll(grads);
    }
    const snapshot = await first.exportState();
    const savedParams = new Map<string, Float32Array>();
    for (const [name, p] of firstParams) savedParams.set(name, Float32Array.from(await p.data()));
    first.dispose();
    disposeAll(firstParams);

    // A fresh optimizer over restored weights, as after a page reload.
    const resumedParams = new Map<string, tf.Variable>();
    for (const [name, values] of savedParams) {
      resumedParams.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(values, reference.params[name]!.shape))),
      );
    }
    const resumed = new AdamOptimizer(resumedParams, optionsOf(scenario));
    resumed.loadState(snapshot);
    expect(resumed.stepCount).toBe(2);
    expect(resumed.currentLr()).toBeCloseTo(scenario.steps_record[2]!.lr, 15);
    for (const values of stepGrads.slice(2)) {
      const grads = gradsOf(values);
      resumed.step(grads);
      disposeAll(grads);
    }
    for (const [name, p] of straightParams) {
      expect(Array.from(await resumedParams.get(name)!.data()), name).toEqual(Array.from(await p.data()));
    }
    const [a, b] = [await straight.exportState(), await resumed.exportState()];
    expect(b).toEqual(a);
    for (const optimizer of [straight, resumed]) optimizer.dispose();
    disposeAll(straightParams);
    disposeAll(resumedParams);
  });

  it('rejects gradients and state that do not fit the parameters', () => {
    const params = makeParams();
    const optimizer = new AdamOptimizer(params, optionsOf(reference.scenarios[0]!));
    const unknown = new Map([['videomae.encoder.layer.9.output.dense.bias', tf.zeros([4])]]);
    expect(() => optimizer.step(unknown)).toThrow(OptimizerError);
    const misshapen = new Map([['classifier.bias', tf.zeros([4])]]);
    expect(() => optimizer.step(misshapen)).toThrow(/classifier\.bias has shape \[4\], parameter \[3\]/);
    expect(() =>
      optimizer.loadState({
        kind: 'adam',
        step: 1,
        slots: { 'classifier.bias': { step: 1, m: new Float32Array(2), v: new Float32Array(2) } },
      }),
    ).toThrow(/classifier\.bias has 2\/2 values, parameter has 3/);
    expect(() => optimizer.loadState({ kind: 'adamw', step: 1, slots: {} })).toThrow(/for adamw/);
    expect(optimizer.stepCount).toBe(0);
    disposeAll(unknown);
    disposeAll(misshapen);
    optimizer.dispose();
    disposeAll(params);
  });

  it('keeps the tensor count flat over many accumulate / clip / step cycles', () => {
    const params = makeParams();
    const scenario = reference.scenarios.find((s) => s.name === 'adamw_accumulate_clip')!;
    const optimizer = new AdamOptimizer(params, { ...optionsOf(scenario), numLayers: 2 });
    const micro = gradsOf(scenario.steps_record[1]!.micro_grads[0]!);
    const accumulator = new GradientAccumulator();
    const cycle = () => {
      accumulator.add(micro);
      accumulator.add(micro);
      const grads = accumulator.take('mean');
      const clipped = clipByGlobalNorm(grads, 1);
      optimizer.step(clipped.grads);
      clipped.totalNorm.dispose();
      disposeAll(clipped.grads);
      disposeAll(grads);
    };
    cycle(); // creates the optimizer's m and v
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) cycle();
    expect(tf.memory().numTensors).toBe(baseline);
    optimizer.dispose();
    accumulator.dispose();
    disposeAll(micro);
    expect(tf.memory().numTensors).toBe(baseline - 2 * params.size - micro.size);
    disposeAll(params);
  });
});
