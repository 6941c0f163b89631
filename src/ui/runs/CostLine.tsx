import { useDatasetFacts } from '../../store/dataset-link.ts';
import { INPUT_KEYS } from '../../store/model-settings.ts';
import { useSettings } from '../../store/settings.ts';
import { useSystem } from '../../store/system.ts';
import { useTraining } from '../../store/training.ts';
import { formatDuration, formatSeconds } from '../common/format.ts';
import { useModelFigures } from '../model/use-model-figures.ts';
import { runCost, type Remedy, type RunCost } from './run-cost.ts';
import './runs.css';

const formatBytes = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;

/** The cost of "Train both" with the current settings on this machine (null while it cannot be known). */
export function useRunCost(): RunCost | null {
  const runs = useSettings((s) => s.runs);
  const input = useSettings((s) => s.model.input);
  const report = useSystem((s) => s.report);
  const throughput = useSystem((s) => s.throughput);
  const { trainClips } = useDatasetFacts();
  const { figures, atInput } = useModelFigures();
  if (!figures || !report) return null;
  return runCost({
    figures,
    configs: { A: runs.A.config, B: runs.B.config },
    trainClips,
    backend: report.backend,
    adapter: report.adapter,
    throughput: throughput?.backend === report.backend ? throughput : null,
    figuresAtInput: atInput,
    inputs: INPUT_KEYS,
    input,
    // The fused attention kernel is WebGPU's; elsewhere the scores are materialised.
    fusedAttention: report.backend === 'webgpu',
  });
}

function RemedyButton({ remedy }: { remedy: Remedy }) {
  const setRunSetting = useSettings((s) => s.setRunSetting);
  const setModelSetting = useSettings((s) => s.setModelSetting);
  const setAppSetting = useSettings((s) => s.setAppSetting);
  const trainAlone = useTraining((s) => s.trainAlone);
  const apply = () => {
    if (remedy.kind === 'batch') {
      setRunSetting('A', 'batchSize', remedy.batchSize);
      setRunSetting('B', 'batchSize', remedy.batchSize);
    } else if (remedy.kind === 'input') setModelSetting('input', remedy.input);
    else if (remedy.kind === 'backend') setAppSetting('backend', remedy.backend);
    else void trainAlone(remedy.runId);
  };
  return (
    <button type="button" className="link" onClick={apply} data-testid={`remedy-${remedy.kind}`}>
      {remedy.label}
    </button>
  );
}

/**
 * Before "Train both": the memory the runs need against what the backend can hold, and the time a step, an
 * epoch and both runs will take here, from a measurement of this machine. When they cannot fit: why, and
 * what would.
 */
export function CostLine({ cost }: { cost: RunCost | null }) {
  const { trainClips } = useDatasetFacts();
  if (!cost) return null;
  const check = cost.checks[0]!;
  const memory =
    check.limit === null
      ? `Needs about ${formatBytes(cost.bothBytes)} (${check.what})`
      : `Needs about ${formatBytes(check.need)} of ${formatBytes(check.limit)} (${check.what})`;
  const time = cost.time;
  const rate = cost.throughput
    ? `measured ${cost.throughput.gflops.toFixed(1)} GFLOP/s on ${cost.throughput.backend}`
    : null;
  return (
    <div
      className={`cost-line small${cost.fits ? '' : ' cost-line-refused'}`}
      data-testid="run-cost"
      data-fits={cost.fits}
      data-need-bytes={Math.round(check.need)}
      data-limit-bytes={check.limit === null ? '' : Math.round(check.limit)}
      data-step-seconds={time ? time.A.stepSeconds.toFixed(3) : ''}
    >
      <span>{memory}.</span>{' '}
      {time && trainClips > 0 && (
        <span data-testid="run-cost-time">
          About {formatSeconds(time.A.stepSeconds)} a step of A, {formatSeconds(time.A.epochSeconds)} an epoch
          of {trainClips} clips, {formatDuration(cost.totalSeconds ?? 0)} for both runs ({rate}; the first
          step also compiles and decodes).
        </span>
      )}
      {!time && <span className="muted">Measuring this machine’s speed…</span>}
      {!cost.fits && (
        <p role="alert" data-testid="run-cost-refusal">
          <strong>Cannot train here as set:</strong> {cost.reason}{' '}
          {cost.remedies.length > 0 ? 'What fits: ' : 'Nothing smaller fits; try a machine with a GPU.'}
          {cost.remedies.map((remedy, i) => (
            <span key={remedy.kind}>
              {i > 0 && ' · '}
              <RemedyButton remedy={remedy} />
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
