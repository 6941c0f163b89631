import { useMemo } from 'react';
import { INPUT_CHOICES, presetConfig } from '../../store/domain.ts';
import { useDatasetFacts } from '../../store/dataset-link.ts';
import { useModel, useModelIsCurrent } from '../../store/model.ts';
import { INPUT_KEYS, isPresetSource } from '../../store/model-settings.ts';
import { useSettings } from '../../store/settings.ts';
import { figuresFromConfig, figuresFromCost, type ModelFigures } from './model-figures.ts';

/** Labels for a model built before any dataset is loaded: HF's default of two. */
const PLACEHOLDER_LABELS = ['LABEL_0', 'LABEL_1'];

export interface ModelFiguresState {
  /** Null for a checkpoint not loaded yet (its size is not known before). */
  figures: ModelFigures | null;
  /** The same preset model at another input; null for a checkpoint, whose input is its own. */
  atInput: ((input: string) => ModelFigures) | null;
}

/** What the chosen model costs at the runs' batch sizes: from its config (a preset) or the loaded summary. */
export function useModelFigures(): ModelFiguresState {
  const settings = useSettings((s) => s.model);
  const batchA = useSettings((s) => s.runs.A.config.batchSize);
  const batchB = useSettings((s) => s.runs.B.config.batchSize);
  const { labels } = useDatasetFacts();
  const summary = useModel((s) => s.summary);
  const current = useModelIsCurrent();
  const preset = isPresetSource(settings.model) ? settings.model : null;
  return useMemo(() => {
    const batches = { A: batchA, B: batchB };
    const names = labels.length > 0 ? labels : PLACEHOLDER_LABELS;
    const atInput = preset
      ? (input: string) =>
          figuresFromConfig(presetConfig(preset, INPUT_CHOICES[INPUT_KEYS.indexOf(input)]!, names), batches)
      : null;
    if (summary && current) return { figures: figuresFromCost(summary, batches), atInput };
    return { figures: atInput ? atInput(settings.input) : null, atInput };
  }, [summary, current, preset, settings.input, labels, batchA, batchB]);
}
