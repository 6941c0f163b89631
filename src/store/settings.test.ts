import { beforeEach, describe, expect, it, vi } from 'vitest';
import { presetById, diffRunConfigs } from '../worker/index.ts';
import { bFollowsA, useSettings } from './settings.ts';
import { defaultExperiment } from './url-state.ts';

const keysOfDiff = () => {
  const { runs } = useSettings.getState();
  return diffRunConfigs(runs.A.config, runs.B.config).map((d) => d.key);
};

describe('the settings slice', () => {
  beforeEach(() => useSettings.setState({ runs: defaultExperiment().runs }));

  it('carries edits of A over to B while B is A with CutMix flipped', () => {
    const { setRunSetting, applyRunPreset } = useSettings.getState();
    setRunSetting('A', 'lr', 1e-3);
    expect(useSettings.getState().runs.B.config.lr).toBe(1e-3);
    applyRunPreset('A', 'hf-tutorial');
    expect(useSettings.getState().runs.B).toEqual({
      preset: 'hf-tutorial',
      config: { ...presetById('hf-tutorial').config, cutmix: true },
    });
    expect(keysOfDiff()).toEqual(['cutmix']);
  });

  it('stops carrying over once B is edited, until B is reset from A', () => {
    const { setRunSetting, resetBFromA } = useSettings.getState();
    setRunSetting('B', 'seed', 7);
    expect(bFollowsA(useSettings.getState().runs)).toBe(false);
    setRunSetting('A', 'epochs', 5);
    // B keeps the epochs of its recipe (the tiny model's default, from scratch).
    expect(useSettings.getState().runs.B.config.epochs).toBe(presetById('from-scratch').config.epochs);
    expect(keysOfDiff()).toEqual(['epochs', 'cutmix', 'seed']);
    resetBFromA();
    expect(keysOfDiff()).toEqual(['cutmix']);
    expect(useSettings.getState().runs.B.config.epochs).toBe(5);
  });

  it('never carries edits of B back to A', () => {
    useSettings.getState().setRunSetting('B', 'cutmixMode', 'temporal');
    expect(useSettings.getState().runs.A.config.cutmixMode).toBe('spatial');
  });
});

describe('the runs follow the model to its recipe until the user chooses one', () => {
  it('switches an untouched comparison between from-scratch and the write-up with the model', async () => {
    vi.resetModules();
    const { useSettings: fresh } = await import('./settings.ts');
    const { defaultRunsFor } = await import('./url-state.ts');
    expect(fresh.getState().runs.A.preset).toBe('from-scratch');
    fresh.getState().setModelSetting('model', 'hub');
    expect(fresh.getState().runs).toEqual(defaultRunsFor({ ...fresh.getState().model }));
    expect(fresh.getState().runs.A.preset).toBe('write-up');
    fresh.getState().setModelSetting('model', 'small');
    expect(fresh.getState().runs.A.preset).toBe('from-scratch');
    // Once chosen, a recipe stays whatever the model.
    fresh.getState().applyRunPreset('A', 'hf-tutorial');
    fresh.getState().setModelSetting('model', 'hub');
    expect(fresh.getState().runs.A.preset).toBe('hf-tutorial');
  });
});
