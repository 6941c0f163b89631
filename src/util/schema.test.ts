import { describe, expect, it } from 'vitest';
import { booleanField, decodeParams, defaultsOf, encodeParams, enumField, numberField } from './schema.ts';

const schema = {
  backend: enumField(['auto', 'wasm', 'webgpu'] as const, 'auto'),
  lr: numberField(4e-4, { min: 0 }),
  epochs: numberField(2, { min: 1, integer: true }),
  cutmix: booleanField(false),
};

describe('URL settings schema', () => {
  it('writes only what differs from the defaults, and reads it back', () => {
    const params = new URLSearchParams('unrelated=1');
    encodeParams(schema, { ...defaultsOf(schema), lr: 5e-5, cutmix: true }, params, 'a.');
    expect(params.toString()).toBe('unrelated=1&a.lr=0.00005&a.cutmix=true');
    const decoded = decodeParams(schema, params, 'a.');
    expect(decoded.values).toEqual({ lr: 5e-5, cutmix: true });
    expect(decoded.rejected).toEqual([]);
  });

  it('removes a parameter when the value returns to its default', () => {
    const params = new URLSearchParams('backend=wasm');
    encodeParams(schema, defaultsOf(schema), params);
    expect(params.has('backend')).toBe(false);
  });

  it('rejects invalid values and names them', () => {
    const decoded = decodeParams(
      schema,
      new URLSearchParams('backend=quantum&lr=-1&epochs=1.5&cutmix=maybe'),
    );
    expect(decoded.values).toEqual({});
    expect(decoded.rejected.map((r) => r.key).sort()).toEqual(['backend', 'cutmix', 'epochs', 'lr']);
  });
});
