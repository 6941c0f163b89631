import { useModel } from '../../store/model.ts';
import { useSettings } from '../../store/settings.ts';
import { SelectInput, TextInput } from '../common/controls.tsx';
import './model.css';

const POOLING_LABELS = {
  checkpoint: "As the checkpoint's config says",
  on: 'Mean pooling + fc_norm',
  off: 'First token + layernorm',
};

/** A checkpoint on the Hugging Face Hub (or a mirror): repo id, revision, Hub URL. */
export function HubForm() {
  const settings = useSettings((s) => s.model);
  const setModelSetting = useSettings((s) => s.setModelSetting);
  const status = useModel((s) => s.status);
  const prepare = useModel((s) => s.prepare);
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void prepare();
      }}
    >
      <div className="hub-grid">
        <TextInput
          label="Repository"
          value={settings.repo}
          onChange={(value) => setModelSetting('repo', value)}
          placeholder="MCG-NJU/videomae-base"
          hint="owner/name on the Hub"
          testId="hub-repo"
        />
        <TextInput
          label="Revision"
          value={settings.revision}
          onChange={(value) => setModelSetting('revision', value)}
          placeholder="main"
          hint="Branch, tag or commit"
          testId="hub-revision"
        />
        <TextInput
          label="Hub URL"
          value={settings.hubUrl}
          onChange={(value) => setModelSetting('hubUrl', value)}
          placeholder="https://huggingface.co"
          hint="A mirror works too"
          testId="hub-url"
        />
        <SelectInput
          label="Pooling"
          value={settings.pooling}
          options={['checkpoint', 'on', 'off'] as const}
          optionLabels={POOLING_LABELS}
          onChange={(value) => setModelSetting('pooling', value)}
          testId="hub-pooling"
        />
      </div>
      <div className="row">
        <button
          type="submit"
          className="primary"
          disabled={status === 'loading' || settings.repo.trim() === ''}
        >
          {status === 'loading' ? 'Loading…' : 'Load checkpoint'}
        </button>
        <span className="muted small">Downloaded once, then kept in the browser's cache.</span>
      </div>
    </form>
  );
}
