import { INPUT_CHOICES, MODEL_PRESETS } from '../../store/domain.ts';
import { useDatasetFacts } from '../../store/dataset-link.ts';
import { useModel, useModelIsCurrent } from '../../store/model.ts';
import {
  INPUT_KEYS,
  isPresetSource,
  MODEL_SETTINGS_SCHEMA,
  MODEL_SOURCES,
  type ModelSource,
} from '../../store/model-settings.ts';
import { useSettings } from '../../store/settings.ts';
import { Panel } from '../common/Panel.tsx';
import { NumberInput, Segmented, SelectInput } from '../common/controls.tsx';
import { CheckpointFiles } from './CheckpointFiles.tsx';
import { HubForm } from './HubForm.tsx';
import { KeyReportView } from './KeyReportView.tsx';
import { LoadProgress } from './LoadProgress.tsx';
import { ModelFiguresView } from './ModelFiguresView.tsx';
import { useModelFigures } from './use-model-figures.ts';

const SOURCE_LABELS: Record<ModelSource, string> = {
  tiny: 'Tiny',
  small: 'Small',
  base: 'Base',
  hub: 'Hub checkpoint',
  files: 'Checkpoint files',
};

const INPUT_LABELS = Object.fromEntries(
  INPUT_CHOICES.map((c) => [
    `${c.num_frames}x${c.image_size}`,
    `${c.num_frames} frames × ${c.image_size} px`,
  ]),
) as Record<string, string>;

export function ModelPanel() {
  const settings = useSettings((s) => s.model);
  const setModelSetting = useSettings((s) => s.setModelSetting);
  const batchA = useSettings((s) => s.runs.A.config.batchSize);
  const batchB = useSettings((s) => s.runs.B.config.batchSize);
  const { labels } = useDatasetFacts();
  const status = useModel((s) => s.status);
  const summary = useModel((s) => s.summary);
  const error = useModel((s) => s.error);
  const current = useModelIsCurrent();
  const source = settings.model;
  const preset = isPresetSource(source) ? source : null;

  const { figures } = useModelFigures();

  return (
    <Panel
      id="model"
      title="Model"
      subtitle="The weights both runs start from: random (trained from scratch) or a pretrained checkpoint."
    >
      <div className="stack">
        <Segmented
          label="Model"
          value={source}
          options={MODEL_SOURCES}
          optionLabels={SOURCE_LABELS}
          onChange={(value) => setModelSetting('model', value)}
          testId="model-source"
        />
        {preset && (
          <>
            <p className="muted small">{MODEL_PRESETS[preset].description}.</p>
            <div className="setting-grid">
              <SelectInput
                label="Frames × resolution"
                value={settings.input}
                options={INPUT_KEYS}
                optionLabels={INPUT_LABELS}
                onChange={(value) => setModelSetting('input', value)}
                testId="model-input"
              />
              <NumberInput
                label="Initialisation seed (A and B)"
                value={settings.initSeed}
                parse={MODEL_SETTINGS_SCHEMA.initSeed.parse}
                onCommit={(value) => setModelSetting('initSeed', value)}
                invalidMessage="A whole number from 0"
                testId="model-init-seed"
              />
            </div>
          </>
        )}
        {source === 'hub' && <HubForm />}
        {source === 'files' && <CheckpointFiles />}
        <LoadProgress />
        {error && status === 'failed' && (
          <div
            className="notice notice-error"
            role="alert"
            data-testid="model-error"
            data-error-name={error.name}
          >
            <strong>Could not prepare the model.</strong> {error.message}
          </div>
        )}
        {figures ? (
          <ModelFiguresView figures={figures} batch={{ A: batchA, B: batchB }} labels={labels.length} />
        ) : (
          <p className="muted" data-testid="model-figures-pending">
            Parameters, FLOPs and memory appear once the checkpoint is loaded.
          </p>
        )}
        {summary?.report && current && <KeyReportView report={summary.report} />}
        {status === 'ready' && current && summary && (
          <p className="muted small" data-testid="model-ready">
            Ready: {summary.description}
          </p>
        )}
      </div>
    </Panel>
  );
}
