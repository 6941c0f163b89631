import { describe, expect, it } from 'vitest';
import { checkUcf101SplitLayout, formatUcf101Name, parseUcf101Name } from './ucf101.ts';

describe('UCF101 names', () => {
  it('parses v_<Class>_gNN_cNN.ext', () => {
    expect(parseUcf101Name('v_ApplyEyeMakeup_g08_c01.avi')).toEqual({
      className: 'ApplyEyeMakeup',
      group: 8,
      clip: 1,
      extension: 'avi',
    });
    expect(parseUcf101Name('v_YoYo_g25_c05.MP4')?.extension).toBe('mp4');
    expect(parseUcf101Name('ApplyEyeMakeup_g08_c01.avi')).toBeNull();
    expect(parseUcf101Name('v_Apply_Eye_g08_c01.avi')).toBeNull();
  });

  it('formats with two-digit group and clip', () => {
    expect(formatUcf101Name('SlideUp', 3, 12, 'mp4')).toBe('v_SlideUp_g03_c12.mp4');
  });
});

describe('checkUcf101SplitLayout', () => {
  it('accepts the HF subset layout, with UCF101’s own case inconsistencies', () => {
    expect(
      checkUcf101SplitLayout([
        'train/HandstandPushups/v_HandStandPushups_g01_c01.avi',
        'val/HandstandPushups/v_HandStandPushups_g02_c01.avi',
        'test/HandstandPushups/v_HandStandPushups_g03_c01.avi',
      ]),
    ).toEqual([]);
  });

  it('finds a group shared by two splits, a misplaced class and a bad name', () => {
    const problems = checkUcf101SplitLayout([
      'train/Grow/v_Grow_g01_c01.mp4',
      'test/Grow/v_Grow_g01_c02.mp4',
      'val/Shrink/v_Grow_g05_c01.mp4',
      'train/Grow/clip.mp4',
      'holdout/Grow/v_Grow_g09_c01.mp4',
      'Grow/v_Grow_g09_c01.mp4',
    ]);
    expect(problems.map((p) => p.reason)).toEqual([
      'group g1 of Grow is also in train (train/Grow/v_Grow_g01_c01.mp4)',
      'file names class "Grow" but sits in folder "Shrink"',
      'file name is not v_<Class>_g<NN>_c<NN>.<ext>',
      '"holdout" is not a split folder (train, val, test)',
      'expected <split>/<Class>/<file>',
    ]);
  });
});
