import { beforeEach, describe, expect, it } from 'vitest';
import { presetById } from '../train/presets.ts';
import { diffRunConfigs } from '../train/run-config.ts';
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
    expect(useSettings.getState().runs.B.config.epochs).toBe(2);
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
