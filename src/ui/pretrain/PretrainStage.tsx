import { useEffect } from 'react';
import { recentLoss } from '../../store/pretrain-reducer.ts';
import { slotHasWeights, slotLabel, usePretraining } from '../../store/pretraining.ts';
import { useSettings } from '../../store/settings.ts';
import { useSystem } from '../../store/system.ts';
import { useTraining } from '../../store/training.ts';
import { PretrainControls } from './PretrainControls.tsx';
import { PretrainLossChart } from './PretrainLossChart.tsx';
import { PretrainSettings } from './PretrainSettings.tsx';
import { ReconstructionPanel } from './ReconstructionPanel.tsx';
import { stageSummary } from './pretrain-fields.ts';
import './pretrain.css';

/** After a pretraining: one click makes both runs start from it (or says they already do). */
function FineTuneFrom() {
  const slot = usePretraining((s) => s.slot);
  const ready = usePretraining((s) => s.activeSlot !== s.slot && slotHasWeights(s.slot, s.infos, s.data));
  const startA = useSettings((s) => s.runs.A.config.startFrom);
  const startB = useSettings((s) => s.runs.B.config.startFrom);
  const startBothFrom = useSettings((s) => s.startBothFrom);
  const locked = useTraining((s) => s.phase !== 'idle');
  if (!ready) return null;
  if (startA === slot && startB === slot) {
    return (
      <p className="ok-text small" data-testid="pretrain-fine-tune-set">
        Runs A and B start from {slotLabel(slot)}.
      </p>
    );
  }
  return (
    <button
      type="button"
      className="pretrain-fine-tune"
      onClick={() => startBothFrom(slot)}
      disabled={locked}
      data-testid="pretrain-fine-tune"
    >
      Fine-tune A and B from {slotLabel(slot)}
    </button>
  );
}

/**
 * VideoMAE's own pretraining, before the runs: closed by default (the first screen stays the dataset, the
 * model and the runs), a one-line summary of the chosen slot when closed.
 */
export function PretrainStage() {
  const slot = usePretraining((s) => s.slot);
  const state = usePretraining((s) => s.data.slots[slot].state);
  const points = usePretraining((s) => s.data.slots[slot].points);
  const phase = usePretraining((s) => s.phase);
  const refreshPretrainings = usePretraining((s) => s.refreshPretrainings);
  const config = useSettings((s) => s.pretraining[slot]);
  const engineReady = useSystem((s) => s.status === 'ready');
  const trainingBusy = useTraining((s) => s.phase !== 'idle');

  useEffect(() => {
    if (engineReady) void refreshPretrainings();
  }, [engineReady, refreshPretrainings]);

  return (
    <details className="panel pretrain-stage" data-testid="pretrain-stage">
      <summary>
        <h2 className="pretrain-title">Pretrain (optional)</h2>
        <span className="panel-subtitle" data-testid="pretrain-summary">
          {stageSummary(slot, state, recentLoss(points), config)}
        </span>
      </summary>
      <p className="muted small">
        VideoMAE’s own pretraining on the dataset’s clips: the encoder sees a few visible cubes, the decoder
        reconstructs the hidden ones. Runs A and B can then start from it (their “Start from” setting), e.g.
        to test whether CutMix fails because the model was only pretrained on clean clips.
      </p>
      <PretrainControls />
      <div className="pretrain-grid">
        <PretrainSettings slot={slot} locked={phase !== 'idle' || trainingBusy} />
        <div className="stack">
          <PretrainLossChart slot={slot} />
          <FineTuneFrom />
          <ReconstructionPanel slot={slot} />
        </div>
      </div>
    </details>
  );
}
