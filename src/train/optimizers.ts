/**
 * Adam and AdamW over named tfjs variables, with PyTorch's update rules (torch.optim.Adam / AdamW, the
 * single-tensor path): the same bias correction, eps added after dividing sqrt(v) by sqrt(1 - beta2^t), and
 * AdamW's decoupled decay `p *= 1 - lr * wd` applied before the Adam step. Adam with weight decay adds
 * `wd * p` to the gradient, as torch's L2 form does.
 *
 * Every parameter is its own group (layer-wise lr scale and weight decay from param-groups.ts); the lr of a
 * step is base lr * schedule factor * group scale, the schedule being indexed by the number of steps taken
 * so far (LambdaLR's `last_epoch`). State (per-parameter m, v, step) can be read out as Float32Arrays and
 * loaded back bit-exactly, which is what checkpoints need.
 */
import * as tf from '@tensorflow/tfjs-core';
import { paramGroupOf, countEncoderBlocks, type ParamGroup } from './param-groups.ts';
import { lrFactor, type ScheduleSpec } from './schedules.ts';

export type OptimizerKind = 'adam' | 'adamw';

export interface OptimizerOptions {
  kind: OptimizerKind;
  /** Base learning rate (before schedule and layer decay). */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** AdamW: decoupled decay; Adam: L2 added to the gradient. Biases, norms and 1-D params never decay. */
  weightDecay: number;
  /** Layer-wise lr decay (VideoMAE recipe); 1 turns it off. */
  layerDecay: number;
  /** Encoder blocks L; read from the parameter names when omitted. */
  numLayers?: number;
  /** Extra parameter names exempt from weight decay. */
  noWeightDecay?: readonly string[];
  schedule: ScheduleSpec;
}

export interface OptimizerStepInfo {
  /** Optimizer steps taken, this one included. */
  step: number;
  /** Base lr times the schedule factor used by this step (what a chart of "the lr" shows). */
  lr: number;
}

export interface OptimizerSlotSnapshot {
  step: number;
  m: Float32Array;
  v: Float32Array;
}

export interface OptimizerStateSnapshot {
  kind: OptimizerKind;
  /** Optimizer steps taken (the schedule's position). */
  step: number;
  slots: Record<string, OptimizerSlotSnapshot>;
}

export class OptimizerError extends Error {
  override name = 'OptimizerError';
}

/** A non-trainable variable; the tidy frees the initial tensor, whose data the variable keeps a reference to. */
function stateVariable(initial: () => tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(initial(), false));
}

interface Slot {
  step: number;
  m: tf.Variable;
  v: tf.Variable;
}

export class AdamOptimizer {
  readonly options: Readonly<OptimizerOptions>;
  private readonly params: ReadonlyMap<string, tf.Variable>;
  private readonly groups = new Map<string, ParamGroup>();
  private readonly slots = new Map<string, Slot>();
  private steps = 0;

  constructor(params: ReadonlyMap<string, tf.Variable>, options: OptimizerOptions) {
    this.params = params;
    this.options = { ...options };
    const numLayers = options.numLayers ?? countEncoderBlocks(params.keys());
    for (const [name, variable] of params) {
      this.groups.set(
        name,
        paramGroupOf(name, variable.rank, {
          numLayers,
          layerDecay: options.layerDecay,
          weightDecay: options.weightDecay,
          noWeightDecay: options.noWeightDecay,
        }),
      );
    }
  }

  get stepCount(): number {
    return this.steps;
  }

  /** The base lr times the schedule factor for the next step. */
  currentLr(): number {
    return this.options.lr * lrFactor(this.options.schedule, this.steps);
  }

  groupOf(name: string): ParamGroup {
    const group = this.groups.get(name);
    if (!group) throw new OptimizerError(`unknown parameter ${name}`);
    return group;
  }

  /**
   * One update from `grads` (the caller keeps ownership of them). Parameters without a gradient are left
   * alone and their own step count does not advance, as torch skips `p.grad is None`.
   */
  step(grads: ReadonlyMap<string, tf.Tensor>): OptimizerStepInfo {
    for (const [name, grad] of grads) {
      const param = this.params.get(name);
      if (!param) throw new OptimizerError(`gradient for unknown parameter ${name}`);
      if (!tf.util.arraysEqual(grad.shape, param.shape)) {
        throw new OptimizerError(
          `gradient for ${name} has shape [${grad.shape}], parameter [${param.shape}]`,
        );
      }
    }
    const lr = this.currentLr();
    const { beta1, beta2, eps, kind } = this.options;
    for (const [name, grad] of grads) {
      const param = this.params.get(name)!;
      const group = this.groups.get(name)!;
      const slot = this.slotFor(name, param);
      slot.step += 1;
      const groupLr = lr * group.lrScale;
      const stepSize = groupLr / (1 - Math.pow(beta1, slot.step));
      const biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, slot.step));
      tf.tidy(() => {
        let g: tf.Tensor = grad;
        let p: tf.Tensor = param;
        if (group.weightDecay !== 0) {
          if (kind === 'adamw') p = tf.mul(p, 1 - groupLr * group.weightDecay);
          else g = tf.add(g, tf.mul(p, group.weightDecay));
        }
        const m = tf.add(tf.mul(slot.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(slot.v, beta2), tf.mul(tf.mul(g, 1 - beta2), g));
        const denom = tf.add(tf.div(tf.sqrt(v), biasCorrection2Sqrt), eps);
        param.assign(tf.sub(p, tf.div(tf.mul(m, stepSize), denom)));
        slot.m.assign(m);
        slot.v.assign(v);
      });
    }
    this.steps += 1;
    return { step: this.steps, lr };
  }

  /** Copies of the state, for a checkpoint (awaits the data, so it works on WebGPU in a worker). */
  async exportState(): Promise<OptimizerStateSnapshot> {
    const slots: Record<string, OptimizerSlotSnapshot> = {};
    for (const [name, slot] of this.slots) {
      const [m, v] = await Promise.all([slot.m.data(), slot.v.data()]);
      // Copies: the cpu backend hands out its own buffer, which must not alias the checkpoint.
      slots[name] = { step: slot.step, m: Float32Array.from(m), v: Float32Array.from(v) };
    }
    return { kind: this.options.kind, step: this.steps, slots };
  }

  /** Restores a snapshot taken by `exportState` (replacing any current state). */
  loadState(snapshot: OptimizerStateSnapshot): void {
    if (snapshot.kind !== this.options.kind) {
      throw new OptimizerError(
        `optimizer state is for ${snapshot.kind}, this optimizer is ${this.options.kind}`,
      );
    }
    for (const [name, slot] of Object.entries(snapshot.slots)) {
      const param = this.params.get(name);
      if (!param) throw new OptimizerError(`optimizer state names unknown parameter ${name}`);
      if (slot.m.length !== param.size || slot.v.length !== param.size) {
        throw new OptimizerError(
          `optimizer state for ${name} has ${slot.m.length}/${slot.v.length} values, parameter has ${param.size}`,
        );
      }
    }
    this.disposeSlots();
    for (const [name, slot] of Object.entries(snapshot.slots)) {
      const param = this.params.get(name)!;
      this.slots.set(name, {
        step: slot.step,
        m: stateVariable(() => tf.tensor(slot.m, param.shape, 'float32')),
        v: stateVariable(() => tf.tensor(slot.v, param.shape, 'float32')),
      });
    }
    this.steps = snapshot.step;
  }

  dispose(): void {
    this.disposeSlots();
  }

  private slotFor(name: string, param: tf.Variable): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = {
        step: 0,
        m: stateVariable(() => tf.zeros(param.shape, 'float32')),
        v: stateVariable(() => tf.zeros(param.shape, 'float32')),
      };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private disposeSlots(): void {
    for (const slot of this.slots.values()) {
      slot.m.dispose();
      slot.v.dispose();
    }
    this.slots.clear();
  }
}
