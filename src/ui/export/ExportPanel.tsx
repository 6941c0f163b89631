import { zipSync } from 'fflate';
import { useState } from 'react';
import { useImported } from '../../store/imported.ts';
import { metricsToCsv, metricsToJson } from '../../store/metrics-file.ts';
import { errorOf } from '../../store/model.ts';
import { slotHasWeights, slotLabel, usePretraining } from '../../store/pretraining.ts';
import { currentMetricsFile, useTraining } from '../../store/training.ts';
import { PRETRAIN_SLOTS, RUN_IDS, type PretrainSlot, type RunId } from '../../store/domain.ts';
import { chartToPng } from '../charts/chart-png.ts';
import { useThemeColors } from '../charts/theme-colors.ts';
import { Panel } from '../common/Panel.tsx';
import { downloadBlob, downloadText, fileStamp } from '../common/download.ts';
import './export.css';

/** Everything a run produced, saved to disk; and earlier runs brought back to compare. */
export function ExportPanel() {
  const runs = useTraining((s) => s.data.runs);
  const phase = useTraining((s) => s.phase);
  const colors = useThemeColors();
  const imported = useImported((s) => s.runs);
  const shown = useImported((s) => s.shown);
  const importError = useImported((s) => s.error);
  const { importFile, show, clear } = useImported.getState();
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const hasMetrics = RUN_IDS.some((id) => runs[id].steps.length > 0);
  const pretrainInfos = usePretraining((s) => s.infos);
  const pretrainData = usePretraining((s) => s.data);
  const pretrainActive = usePretraining((s) => s.activeSlot);
  // A slot can be saved once it has weights and is not training (paused, stopped, finished, or saved).
  const pretrained = Object.fromEntries(
    PRETRAIN_SLOTS.map((slot) => [
      slot,
      slotHasWeights(slot, pretrainInfos, pretrainData) &&
        (pretrainActive !== slot || pretrainData.slots[slot].state?.status === 'paused'),
    ]),
  ) as Record<PretrainSlot, boolean>;

  const run = async (label: string, action: () => Promise<string>) => {
    setBusy(label);
    setMessage(null);
    try {
      setMessage({ error: false, text: await action() });
    } catch (error) {
      setMessage({ error: true, text: `${label}: ${errorOf(error).message}` });
    } finally {
      setBusy(null);
    }
  };

  const exportWeights = (id: RunId) =>
    run(`Weights of run ${id}`, async () => {
      const { files } = await useTraining.getState().exportRunWeights(id);
      // One download: the Hugging Face folder, zipped (stored: safetensors does not compress).
      const folder = `videomae-run-${id}-${fileStamp()}`;
      const zip = zipSync(Object.fromEntries(files.map((f) => [`${folder}/${f.name}`, f.bytes])), {
        level: 0,
      });
      downloadBlob(new Blob([zip as Uint8Array<ArrayBuffer>]), `${folder}.zip`);
      return `Run ${id}: ${folder}.zip saved (${files.map((f) => f.name).join(' and ')}). Unzip it and load the folder with VideoMAEForVideoClassification.from_pretrained(folder).`;
    });

  const exportPretraining = (slot: PretrainSlot, as: 'pretraining' | 'encoder') =>
    run(`${slotLabel(slot)} ${as === 'pretraining' ? 'weights' : 'encoder'}`, async () => {
      const { files } = await usePretraining.getState().exportPretraining(slot, as);
      const kind = as === 'pretraining' ? 'videomae-pretraining' : 'videomae-encoder';
      const folder = `${kind}-${slot.slice(-1)}-${fileStamp()}`;
      const zip = zipSync(Object.fromEntries(files.map((f) => [`${folder}/${f.name}`, f.bytes])), {
        level: 0,
      });
      downloadBlob(new Blob([zip as Uint8Array<ArrayBuffer>]), `${folder}.zip`);
      const loader = as === 'pretraining' ? 'VideoMAEForPreTraining' : 'VideoMAEForVideoClassification';
      return `${slotLabel(slot)}: ${folder}.zip saved (${files.map((f) => f.name).join(' and ')}). Unzip it and load the folder with ${loader}.from_pretrained(folder).`;
    });

  const exportCharts = () =>
    run('Charts', async () => {
      const figures = [...document.querySelectorAll<HTMLElement>('[data-chart]')].filter((f) =>
        f.querySelector('svg.recharts-surface'),
      );
      if (figures.length === 0) throw new Error('no chart has points yet');
      const stamp = fileStamp();
      const pngs: Record<string, Uint8Array> = {};
      for (const figure of figures) {
        const title = figure.dataset.chartTitle ?? 'chart';
        const png = await chartToPng(figure, title, colors);
        pngs[`${figure.dataset.chart}-${stamp}.png`] = new Uint8Array(await png.arrayBuffer());
      }
      // One download for all of them (PNGs are compressed already: stored).
      downloadBlob(new Blob([zipSync(pngs, { level: 0 }) as Uint8Array<ArrayBuffer>]), `charts-${stamp}.zip`);
      return `${figures.length} charts saved as PNG in charts-${stamp}.zip.`;
    });

  const canExportWeights = (id: RunId) => {
    const status = runs[id].state?.status;
    return status === 'finished' || status === 'paused' || status === 'stopped';
  };

  return (
    <Panel
      id="export"
      title="Export and compare"
      subtitle="Save what the runs produced; bring back an earlier run."
    >
      <div className="export-grid">
        <div className="stack">
          <h3>Fine-tuned weights</h3>
          <p className="muted small">Hugging Face format: config.json and model.safetensors.</p>
          <div className="row">
            {RUN_IDS.map((id) => (
              <button
                key={id}
                type="button"
                onClick={() => void exportWeights(id)}
                disabled={busy !== null || !canExportWeights(id)}
                data-testid={`export-weights-${id}`}
              >
                Run {id} weights
              </button>
            ))}
          </div>
        </div>
        <div className="stack" data-testid="export-pretrainings">
          <h3>Pretrainings</h3>
          <p className="muted small">
            As VideoMAEForPreTraining (with the decoder), or the encoder alone for classification.
          </p>
          {PRETRAIN_SLOTS.map((slot) => (
            <div className="row" key={slot}>
              <button
                type="button"
                onClick={() => void exportPretraining(slot, 'pretraining')}
                disabled={busy !== null || !pretrained[slot]}
                data-testid={`export-pretraining-${slot}`}
              >
                {slotLabel(slot)}
              </button>
              <button
                type="button"
                onClick={() => void exportPretraining(slot, 'encoder')}
                disabled={busy !== null || !pretrained[slot]}
                data-testid={`export-encoder-${slot}`}
              >
                {slotLabel(slot)} encoder
              </button>
            </div>
          ))}
        </div>
        <div className="stack">
          <h3>Metrics and charts</h3>
          <div className="row">
            <button
              type="button"
              disabled={!hasMetrics || busy !== null}
              onClick={() =>
                downloadText(
                  metricsToJson(currentMetricsFile()),
                  `metrics-${fileStamp()}.json`,
                  'application/json',
                )
              }
              data-testid="export-metrics-json"
            >
              Metrics JSON
            </button>
            <button
              type="button"
              disabled={!hasMetrics || busy !== null}
              onClick={() =>
                downloadText(
                  metricsToCsv(currentMetricsFile().runs),
                  `metrics-${fileStamp()}.csv`,
                  'text/csv',
                )
              }
              data-testid="export-metrics-csv"
            >
              Metrics CSV
            </button>
            <button
              type="button"
              disabled={busy !== null}
              onClick={() => void exportCharts()}
              data-testid="export-charts"
            >
              Charts as PNG
            </button>
          </div>
        </div>
        <div className="stack">
          <h3>Compare with a saved run</h3>
          <label className="file-button">
            <input
              type="file"
              accept=".json,application/json"
              className="visually-hidden"
              data-testid="import-metrics"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void importFile(file);
                e.target.value = '';
              }}
            />
            <span>Import metrics JSON…</span>
          </label>
          {importError && (
            <p className="error-text" role="alert" data-testid="import-error">
              {importError}
            </p>
          )}
          {imported.length > 0 && (
            <div className="row">
              <label className="inline-field">
                <span>Dashed on the charts</span>
                <select
                  value={shown === null ? '' : String(shown)}
                  onChange={(e) => show(e.target.value === '' ? null : Number(e.target.value))}
                  data-testid="imported-shown"
                >
                  <option value="">None</option>
                  {imported.map((r, i) => (
                    <option key={i} value={i}>
                      {r.label}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" className="link" onClick={clear}>
                Forget imported runs
              </button>
            </div>
          )}
        </div>
      </div>
      {phase !== 'idle' && (
        <p className="muted small">Weights can be saved once a run is paused, stopped or finished.</p>
      )}
      {message && (
        <p
          className={message.error ? 'error-text' : 'ok-text'}
          role={message.error ? 'alert' : 'status'}
          data-testid="export-message"
        >
          {message.text}
        </p>
      )}
    </Panel>
  );
}
