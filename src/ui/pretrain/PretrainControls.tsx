import { usePretraining, slotLabel } from '../../store/pretraining.ts';
import { recentLoss } from '../../store/pretrain-reducer.ts';
import { useTraining } from '../../store/training.ts';
import { PRETRAIN_SLOTS, type PretrainSlot } from '../../store/domain.ts';
import { Segmented } from '../common/controls.tsx';
import { formatCompact, formatDuration } from '../common/format.ts';
import { slotStatusText } from './pretrain-fields.ts';
import './pretrain.css';

const SLOT_LABELS = Object.fromEntries(PRETRAIN_SLOTS.map((s) => [s, slotLabel(s)])) as Record<
  PretrainSlot,
  string
>;

/** The slot chooser, Start / Pause / Resume / Stop, and one line saying where the slot stands. */
export function PretrainControls() {
  const slot = usePretraining((s) => s.slot);
  const phase = usePretraining((s) => s.phase);
  const activeSlot = usePretraining((s) => s.activeSlot);
  const pending = usePretraining((s) => s.pending);
  const slotData = usePretraining((s) => s.data.slots[slot]);
  const saved = usePretraining((s) => s.infos.find((info) => info.slot === slot) ?? null);
  const { chooseSlot, start, pause, resume, stop } = usePretraining.getState();
  const trainingBusy = useTraining((s) => s.phase !== 'idle');
  const state = slotData.state;
  const status = state?.status ?? 'idle';
  const live = phase !== 'idle' && activeSlot === slot;
  const idle = phase === 'idle' && !trainingBusy;
  // A slot saved mid-way (paused, stopped, or a reload) continues from its last checkpoint.
  const canContinue = idle && saved !== null && saved.savedAt !== null && saved.status !== 'finished';
  const loss = recentLoss(slotData.points);
  return (
    <div className="pretrain-controls">
      <div className="row">
        <Segmented
          label="Pretraining slot"
          value={slot}
          options={PRETRAIN_SLOTS}
          optionLabels={SLOT_LABELS}
          onChange={chooseSlot}
          disabled={phase !== 'idle'}
          testId="pretrain-slot"
        />
        <div className="run-controls" role="group" aria-label="Pretraining controls">
          <button
            type="button"
            className="primary"
            onClick={() => void start(slot)}
            disabled={!idle}
            title={trainingBusy ? 'The runs are training: one thing trains at a time.' : undefined}
            data-testid="pretrain-start"
          >
            {phase === 'preparing' && live
              ? 'Preparing…'
              : `Start ${SLOT_LABELS[slot]}${state && state.step > 0 ? ' again' : ''}`}
          </button>
          {canContinue && (
            <button
              type="button"
              onClick={() => void start(slot, { resume: true })}
              data-testid="pretrain-continue"
            >
              Continue from step {saved.step}
            </button>
          )}
          {live && status === 'paused' ? (
            <button
              type="button"
              onClick={() => void resume()}
              disabled={pending !== null}
              data-testid="pretrain-resume"
            >
              Resume
            </button>
          ) : (
            <button
              type="button"
              onClick={() => void pause()}
              disabled={!live || status !== 'running' || pending !== null}
              data-testid="pretrain-pause"
            >
              Pause
            </button>
          )}
          <button
            type="button"
            onClick={() => void stop()}
            disabled={
              !live ||
              pending !== null ||
              (status !== 'running' && status !== 'paused' && status !== 'queued')
            }
            data-testid="pretrain-stop"
          >
            Stop
          </button>
        </div>
      </div>
      <p className="pretrain-status" data-testid="pretrain-status" data-status={status} role="status">
        <span className={`status-pill status-${status}`}>{slotStatusText(state)}</span>
        {state ? (
          <span>
            step {state.step} / {state.totalSteps} · epoch {state.epoch.toFixed(2)}
            {Number.isFinite(loss) && <> · loss {formatCompact(loss)}</>}
            {state.clipsPerSecond > 0 && <> · {state.clipsPerSecond.toFixed(1)} clips/s</>} · {state.clips}{' '}
            clips per epoch · {formatDuration(state.elapsedMs / 1000)}
            {state.lastCheckpoint && <> · checkpoint at step {state.lastCheckpoint.step}</>}
          </span>
        ) : saved ? (
          <span className="muted">
            saved at step {saved.step} (epoch {saved.epoch.toFixed(1)})
            {Number.isFinite(saved.loss) && `, last epoch's loss ${formatCompact(saved.loss)}`}
          </span>
        ) : (
          <span className="muted">
            pretrains the encoder by reconstructing hidden cubes; labels are not used
          </span>
        )}
      </p>
    </div>
  );
}
