/**
 * Two layouts of the attention biases exist in VideoMAE checkpoints. transformers 4.x (and the original
 * VideoMAE code) store `attention.attention.q_bias` and `v_bias` beside bias-free query/key/value Linears;
 * transformers 5.x saves plain Linears with `query.bias`, `key.bias` and `value.bias` (seen in files written
 * by `save_pretrained` with transformers 5.17). Our parameters follow the 4.x names, so a 5.x file is read
 * into them here, the one place every loader passes through.
 *
 * The key bias is dropped: adding the same vector to every key adds q·b to all of one query's scores, which
 * softmax cancels, so it can change neither the output nor any other gradient (its own gradient is zero).
 */
import type { StateDict } from './state-dict.ts';

const LINEAR_BIAS = /^(.*\.attention\.attention)\.(query|key|value)\.bias$/;

export function toLegacyAttentionBiasKeys(stateDict: StateDict): StateDict {
  if (![...stateDict.keys()].some((k) => LINEAR_BIAS.test(k))) return stateDict;
  const out: StateDict = new Map();
  for (const [key, tensor] of stateDict) {
    const match = LINEAR_BIAS.exec(key);
    if (!match) out.set(key, tensor);
    else if (match[2] === 'query') out.set(`${match[1]}.q_bias`, tensor);
    else if (match[2] === 'value') out.set(`${match[1]}.v_bias`, tensor);
  }
  return out;
}

/** The 4.x parameter name for a 5.x one (e.g. to compare gradients by name), or the name itself. */
export function legacyAttentionBiasName(name: string): string | null {
  const match = LINEAR_BIAS.exec(name);
  if (!match) return name;
  if (match[2] === 'query') return `${match[1]}.q_bias`;
  if (match[2] === 'value') return `${match[1]}.v_bias`;
  return null;
}
