import { useState } from 'react';
import { useModel } from '../../store/model.ts';
import { useSettings } from '../../store/settings.ts';
import { SelectInput } from '../common/controls.tsx';
import { formatBytes } from '../common/format.ts';
import './model.css';

const CHECKPOINT_FILE = /(^config\.json$)|\.(safetensors|bin|pt|pth)$/i;

/** A checkpoint folder from disk: config.json plus model.safetensors or pytorch_model.bin. */
export function CheckpointFiles() {
  const files = useModel((s) => s.files);
  const setFiles = useModel((s) => s.setFiles);
  const status = useModel((s) => s.status);
  const prepare = useModel((s) => s.prepare);
  const pooling = useSettings((s) => s.model.pooling);
  const setModelSetting = useSettings((s) => s.setModelSetting);
  const [over, setOver] = useState(false);
  const take = (list: FileList | null) => {
    if (!list) return;
    const chosen = [...list].filter((f) => CHECKPOINT_FILE.test(f.name));
    setFiles(chosen.length > 0 ? chosen : [...list]);
  };
  return (
    <div className="stack">
      <label
        className={`drop-zone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          take(e.dataTransfer.files);
        }}
      >
        <input
          type="file"
          multiple
          accept=".json,.safetensors,.bin,.pt,.pth"
          className="visually-hidden"
          onChange={(e) => take(e.target.files)}
          data-testid="checkpoint-files-input"
        />
        <strong>Drop config.json and the weights here</strong>
        <span className="muted small">or click to choose files (model.safetensors or pytorch_model.bin)</span>
      </label>
      {files.length > 0 && (
        <ul className="file-list" data-testid="checkpoint-files">
          {files.map((f) => (
            <li key={f.name}>
              <code>{f.name}</code> <span className="muted">{formatBytes(f.size)}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <SelectInput
          label="Pooling"
          value={pooling}
          options={['checkpoint', 'on', 'off'] as const}
          optionLabels={{
            checkpoint: "As the checkpoint's config says",
            on: 'Mean pooling + fc_norm',
            off: 'First token + layernorm',
          }}
          onChange={(value) => setModelSetting('pooling', value)}
        />
        <button
          type="button"
          className="primary"
          onClick={() => void prepare()}
          disabled={files.length === 0 || status === 'loading'}
        >
          {status === 'loading' ? 'Loading…' : 'Load files'}
        </button>
      </div>
      {files.length === 0 && (
        <p className="muted small">
          Files stay on this machine. A shared link cannot carry them: drop them again.
        </p>
      )}
    </div>
  );
}
