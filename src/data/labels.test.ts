import { describe, expect, it } from 'vitest';
import { inferLabels, NoLabelsError, type LabelResult, type SplitOptions } from './labels.ts';
import { parseClassIndex, parseSplitList, type SplitLists } from './split-lists.ts';
import { groupKey } from './ucf101.ts';

const OPTIONS: SplitOptions = { ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 3, fold: 1 };

function ucfPaths(prefix: string, classes: string[], groups: number, clips: number, ext = 'avi'): string[] {
  const paths: string[] = [];
  for (const c of classes) {
    for (let g = 1; g <= groups; g++) {
      for (let k = 1; k <= clips; k++) {
        paths.push(`${prefix}v_${c}_g${String(g).padStart(2, '0')}_c${String(k).padStart(2, '0')}.${ext}`);
      }
    }
  }
  return paths;
}

function splitOf(result: LabelResult, path: string) {
  return result.clips.find((c) => c.path === path)?.split;
}

/** Every group's clips share one split. */
function expectGroupsIntact(result: LabelResult): void {
  const seen = new Map<string, string>();
  for (const clip of result.clips) {
    expect(clip.group, clip.path).not.toBeNull();
    const prior = seen.get(clip.group!);
    if (prior) expect(clip.split, `${clip.path} (group ${clip.group})`).toBe(prior);
    seen.set(clip.group!, clip.split);
  }
}

describe('rule 1: <split>/<Class>/<file>', () => {
  const paths = [
    'UCF101_subset/train/ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi',
    'UCF101_subset/train/ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c02.avi',
    'UCF101_subset/val/ApplyEyeMakeup/v_ApplyEyeMakeup_g09_c01.avi',
    'UCF101_subset/test/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi',
    'UCF101_subset/train/HandstandPushups/v_HandStandPushups_g08_c01.avi',
    'UCF101_subset/validation/HandstandPushups/v_HandStandPushups_g09_c01.avi',
    'UCF101_subset/test/HandstandPushups/v_HandStandPushups_g01_c01.avi',
    'UCF101_subset/stray.avi',
  ];

  it('takes split and class from the folders, sorted like Python, and reports strays', () => {
    const result = inferLabels(paths, null, OPTIONS);
    expect(result.rule).toBe('split-folders');
    expect(result.splitSource).toBe('folders');
    expect(result.classes).toEqual(['ApplyEyeMakeup', 'HandstandPushups']);
    expect(splitOf(result, paths[1]!)).toBe('train');
    expect(splitOf(result, paths[2]!)).toBe('val');
    expect(splitOf(result, paths[5]!)).toBe('val');
    expect(splitOf(result, paths[6]!)).toBe('test');
    expect(result.clips.find((c) => c.path === paths[4])).toMatchObject({
      className: 'HandstandPushups',
      group: groupKey('HandstandPushups', 8),
    });
    expect(result.rejected).toEqual([
      { path: 'UCF101_subset/stray.avi', reason: 'not inside a train/val/test folder like the other clips' },
    ]);
  });

  it('keeps folder splits whatever the ratios and seed', () => {
    const a = inferLabels(paths, null, OPTIONS);
    const b = inferLabels(paths, null, { ratios: { train: 1, val: 0, test: 0 }, seed: 99, fold: 1 });
    expect(b.clips).toEqual(a.clips);
  });

  it('accepts <split>/v_<Class>_gNN_cNN.ext with the class from the name', () => {
    const result = inferLabels(['train/v_Cat_g01_c01.mp4', 'test/v_Dog_g02_c01.mp4'], null, OPTIONS);
    expect(result.rule).toBe('split-folders');
    expect(result.clips.map((c) => [c.className, c.split])).toEqual([
      ['Dog', 'test'],
      ['Cat', 'train'],
    ]);
  });
});

describe('rule 2: UCF101 split files', () => {
  const classInd = '1 ApplyEyeMakeup\r\n2 Archery\r\n3 BabyCrawling\r\n';
  const train01 =
    'ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1\r\n' +
    'ApplyEyeMakeup/v_ApplyEyeMakeup_g09_c01.avi 1\r\n' +
    'ApplyEyeMakeup/v_ApplyEyeMakeup_g10_c01.avi 1\r\n' +
    'ApplyEyeMakeup/v_ApplyEyeMakeup_g10_c02.avi 1\r\n' +
    'Archery/v_Archery_g08_c01.avi 2\r\n' +
    'Archery/v_Archery_g09_c01.avi 2\r\n';
  const test01 = 'ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi\r\nArchery/v_Archery_g01_c01.avi\r\n';
  const lists: SplitLists = {
    classes: parseClassIndex(classInd),
    folds: [{ fold: 1, train: parseSplitList(train01), test: parseSplitList(test01) }],
  };
  const clips = [
    'UCF-101/ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi',
    'UCF-101/ApplyEyeMakeup/v_ApplyEyeMakeup_g09_c01.avi',
    'UCF-101/ApplyEyeMakeup/v_ApplyEyeMakeup_g10_c01.avi',
    'UCF-101/ApplyEyeMakeup/v_ApplyEyeMakeup_g10_c02.avi',
    'UCF-101/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi',
    'UCF-101/Archery/v_Archery_g08_c01.avi',
    'UCF-101/Archery/v_Archery_g09_c01.avi',
    'UCF-101/Archery/v_Archery_g01_c01.avi',
    'UCF-101/Archery/v_Archery_g25_c01.avi',
  ];

  it('parses classInd and the lists', () => {
    expect(lists.classes).toEqual(['ApplyEyeMakeup', 'Archery', 'BabyCrawling']);
    expect(parseSplitList(train01)[0]).toEqual({
      fileKey: 'v_applyeyemakeup_g08_c01.avi',
      folder: 'ApplyEyeMakeup',
      classIndex: 1,
    });
  });

  it('outranks class folders, keeps official test clips, carves val from train by group', () => {
    const result = inferLabels(clips, lists, OPTIONS);
    expect(result.rule).toBe('ucf101-split-files');
    expect(result.fold).toBe(1);
    // classInd order, limited to classes with clips.
    expect(result.classes).toEqual(['ApplyEyeMakeup', 'Archery']);
    expect(splitOf(result, 'UCF-101/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi')).toBe('test');
    expect(splitOf(result, 'UCF-101/Archery/v_Archery_g01_c01.avi')).toBe('test');
    const trainOrVal = result.clips.filter((c) => !c.path.includes('_g01_'));
    expect(new Set(trainOrVal.map((c) => c.split))).toEqual(new Set(['train', 'val']));
    expectGroupsIntact(result);
    expect(result.rejected).toEqual([
      {
        path: 'UCF-101/Archery/v_Archery_g25_c01.avi',
        reason: 'not listed in trainlist01.txt or testlist01.txt',
      },
    ]);
  });

  it('with a val ratio of 0 keeps the official train list whole', () => {
    const result = inferLabels(clips, lists, { ...OPTIONS, ratios: { train: 1, val: 0, test: 0 } });
    expect(result.clips.filter((c) => c.split === 'val')).toEqual([]);
    expect(result.clips.filter((c) => c.split === 'train')).toHaveLength(6);
  });

  it('falls back to the first fold present', () => {
    const fold2: SplitLists = {
      classes: null,
      folds: [{ fold: 2, train: null, test: parseSplitList(test01) }],
    };
    const result = inferLabels(clips, fold2, OPTIONS);
    expect(result.fold).toBe(2);
    expect(result.clips.map((c) => c.split)).toEqual(['test', 'test']);
  });
});

describe('rule 3: <Class>/<file>, splits made here', () => {
  it('splits by seeded group-aware stratification, reproducibly', () => {
    const paths = ['Cat', 'Dog', 'Bird'].flatMap((c) => ucfPaths(`pets/${c}/`, [c], 10, 3, 'mp4'));
    const a = inferLabels(paths, null, OPTIONS);
    expect(a.rule).toBe('class-folders');
    expect(a.splitSource).toBe('generated');
    expect(a.classes).toEqual(['Bird', 'Cat', 'Dog']);
    expectGroupsIntact(a);
    for (const c of a.classes) {
      const counts = { train: 0, val: 0, test: 0 };
      for (const clip of a.clips.filter((x) => x.className === c)) counts[clip.split]++;
      // 10 groups of 3 at 0.6 / 0.2 / 0.2: whole groups give exactly 18 / 6 / 6.
      expect(counts).toEqual({ train: 18, val: 6, test: 6 });
    }
    expect(inferLabels(paths, null, OPTIONS).clips).toEqual(a.clips);
    const other = inferLabels(paths, null, { ...OPTIONS, seed: 4 });
    expect(other.clips.map((c) => c.split)).not.toEqual(a.clips.map((c) => c.split));
  });

  it('treats clips without UCF101 names as their own groups and honours ratios', () => {
    const paths = Array.from({ length: 20 }, (_, i) => `clips/${i % 2 ? 'Run' : 'Walk'}/clip${i}.mp4`);
    const result = inferLabels(paths, null, { ...OPTIONS, ratios: { train: 8, val: 0, test: 2 } });
    expect(result.clips.every((c) => c.group === null)).toBe(true);
    expect(result.clips.filter((c) => c.split === 'test')).toHaveLength(4);
    expect(result.clips.filter((c) => c.split === 'val')).toHaveLength(0);
  });

  it('reports files outside any class folder', () => {
    const result = inferLabels(['Cat/a.mp4', 'Dog/b.mp4', 'loose.mp4'], null, OPTIONS);
    expect(result.rule).toBe('class-folders');
    expect(result.rejected).toEqual([{ path: 'loose.mp4', reason: 'not inside a class folder' }]);
  });
});

describe('rule 4: flat UCF101 names', () => {
  it('takes the class from the name, merges UCF101 spelling variants, keeps groups together', () => {
    const paths = [
      ...ucfPaths('', ['Archery', 'YoYo'], 6, 2),
      'v_HandstandPushups_g01_c01.avi',
      'v_HandStandPushups_g01_c02.avi',
      'v_HandStandPushups_g02_c01.avi',
      'notes_clip.avi',
    ];
    const result = inferLabels(paths, null, OPTIONS);
    expect(result.rule).toBe('ucf101-names');
    expect(result.classes).toEqual(['Archery', 'HandStandPushups', 'YoYo']);
    expectGroupsIntact(result);
    expect(result.rejected).toEqual([
      { path: 'notes_clip.avi', reason: 'file name is not v_<Class>_g<NN>_c<NN>.<ext> like the others' },
    ]);
  });

  it('works inside one dropped folder too', () => {
    const result = inferLabels(ucfPaths('my-clips/', ['A', 'B'], 3, 1), null, OPTIONS);
    expect(result.rule).toBe('ucf101-names');
    expect(result.classes).toEqual(['A', 'B']);
  });
});

it('fails clearly when nothing can be labelled', () => {
  expect(() => inferLabels(['a.mp4', 'b.mp4'], null, OPTIONS)).toThrow(NoLabelsError);
  expect(() => inferLabels([], null, OPTIONS)).toThrow('No video files');
});
