import { type DatasetIndex, SPLIT_NAMES } from '../../store/domain.ts';
import { useDataset } from '../../store/dataset.ts';
import './dataset.css';

/** Ratios and seed of made-up splits (folders and UCF101 test lists fix theirs). */
export function SplitControls({ index }: { index: DatasetIndex }) {
  const options = useDataset((s) => s.splitOptions);
  const setSplitOptions = useDataset((s) => s.setSplitOptions);
  if (index.splitSource === 'folders') return null;
  const editable = index.splitSource === 'generated' ? SPLIT_NAMES : (['train', 'val'] as const);
  return (
    <fieldset className="row split-controls" data-testid="split-controls">
      <legend>
        {index.splitSource === 'generated'
          ? 'Splits made here (clips of one UCF101 group stay together)'
          : 'Validation carved out of the official train list'}
      </legend>
      {editable.map((split) => (
        <label className="field" key={split}>
          <span>{split} share</span>
          <input
            type="number"
            min={0}
            max={100}
            step={5}
            value={Math.round(options.ratios[split] * 100)}
            data-testid={`split-ratio-${split}`}
            onChange={(e) => {
              const value = Number(e.target.value) / 100;
              if (Number.isFinite(value) && value >= 0) {
                void setSplitOptions({ ratios: { ...options.ratios, [split]: value } });
              }
            }}
          />
        </label>
      ))}
      <label className="field">
        <span>Split seed</span>
        <input
          type="number"
          value={options.seed}
          data-testid="split-seed"
          onChange={(e) => {
            const seed = Number(e.target.value);
            if (Number.isInteger(seed)) void setSplitOptions({ seed });
          }}
        />
      </label>
    </fieldset>
  );
}
