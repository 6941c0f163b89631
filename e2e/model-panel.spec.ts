/** The model panel: parameters, FLOPs and memory of the chosen preset and input for each run's batch size. */
import { presetConfig } from '../src/model/videomae/config.ts';
import { presetById } from '../src/train/presets.ts';
import { planTraining } from '../src/train/run-config.ts';
import { figuresFromConfig } from '../src/ui/model/model-figures.ts';
import { expect, test } from './fixtures.ts';
import { run, screenshot } from './helpers/page.ts';

test('the model panel shows parameters, FLOPs and memory of a preset for each batch size', async ({
  page,
}, testInfo) => {
  await page.goto('/?model=base&input=16x224');
  const expectFigures = async (labels: string[], batch: { A: number; B: number }) => {
    const figures = figuresFromConfig(
      presetConfig('base', { num_frames: 16, image_size: 224 }, labels),
      batch,
    );
    await expect(page.getByTestId('model-parameters')).toHaveAttribute(
      'data-value',
      String(figures.parameters),
    );
    await expect(page.getByTestId('model-flops')).toHaveAttribute(
      'data-value',
      String(figures.forwardFlopsPerClip),
    );
    await expect(page.getByTestId('model-memory')).toHaveAttribute('data-value', String(figures.bothBytes));
    await expect(page.getByTestId('model-memory-runs')).toHaveAttribute('data-a', String(figures.runBytes.A));
    await expect(page.getByTestId('model-memory-runs')).toHaveAttribute('data-b', String(figures.runBytes.B));
    return figures;
  };
  // Before a dataset: HF's default head of two labels. ViT-B is about 86 M parameters.
  const base = await expectFigures(['LABEL_0', 'LABEL_1'], { A: 8, B: 8 });
  expect(base.parameters).toBeGreaterThan(85e6);
  await expect(page.getByTestId('model-parameters')).toContainText('86.2 M');
  await expect(page.getByTestId('model-flops')).toContainText('GFLOPs');

  await page.getByRole('button', { name: 'Try the sample dataset' }).click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  const classes = ['FadeIn', 'FadeOut', 'Grow', 'Shrink', 'SlideDown', 'SlideUp'];
  await expectFigures(classes, { A: 8, B: 8 });

  // 204 training clips: the plan follows HF Trainer's arithmetic for each run's batch size (the recipe of a
  // model trained from scratch).
  const recipe = presetById('from-scratch').config;
  await expect(page.getByTestId('run-plan-A')).toHaveAttribute(
    'data-total-steps',
    String(planTraining(recipe, 204).totalSteps),
  );
  await run(page, 'B').getByLabel('Batch size').fill('2');
  await expectFigures(classes, { A: 8, B: 2 });
  await expect(page.getByTestId('run-plan-B')).toHaveAttribute(
    'data-total-steps',
    String(planTraining({ ...recipe, batchSize: 2 }, 204).totalSteps),
  );
  await page.getByTestId('model-input').getByRole('combobox').selectOption('8x112');
  await expect(page.getByTestId('model-flops')).not.toHaveAttribute(
    'data-value',
    String(base.forwardFlopsPerClip),
  );
  await page.getByTestId('model-source').getByRole('radio', { name: 'Tiny' }).check();
  const tiny = figuresFromConfig(presetConfig('tiny', { num_frames: 8, image_size: 112 }, classes), {
    A: 8,
    B: 2,
  });
  await expect(page.getByTestId('model-parameters')).toHaveAttribute('data-value', String(tiny.parameters));
  await expect.poll(() => new URL(page.url()).searchParams.get('model')).toBeNull();
  await screenshot(page, testInfo, 'model-panel');
});
