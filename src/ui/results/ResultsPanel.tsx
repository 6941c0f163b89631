import { useDatasetFacts } from '../../store/dataset-link.ts';
import { useModel } from '../../store/model.ts';
import { useTraining } from '../../store/training.ts';
import { Panel } from '../common/Panel.tsx';
import { ConfusionMatrix } from './ConfusionMatrix.tsx';
import { MixPreview } from './MixPreview.tsx';
import { PredictionGallery } from './PredictionGallery.tsx';
import { SummaryTable } from './SummaryTable.tsx';
import './results.css';

/** Class names for results: the prepared model's labels, else the dataset's. */
function useClassNames(): readonly string[] {
  const modelLabels = useModel((s) => s.labels);
  const { labels } = useDatasetFacts();
  return modelLabels.length > 0 ? modelLabels : labels;
}

export function ResultsPanel() {
  const labels = useClassNames();
  const testA = useTraining(
    (s) => s.data.runs.A.test ?? s.data.runs.A.val[s.data.runs.A.val.length - 1] ?? null,
  );
  const testB = useTraining(
    (s) => s.data.runs.B.test ?? s.data.runs.B.val[s.data.runs.B.val.length - 1] ?? null,
  );
  return (
    <Panel
      id="results"
      title="Results"
      subtitle="Validation during training, the test split once at the end."
    >
      <div className="stack">
        <SummaryTable />
        <div className="results-grid">
          <section aria-labelledby="confusion-heading">
            <h3 id="confusion-heading">Confusion matrices</h3>
            <div className="confusion-pair">
              <ConfusionMatrix runId="A" point={testA} labels={labels} />
              <ConfusionMatrix runId="B" point={testB} labels={labels} />
            </div>
          </section>
          <section aria-labelledby="mix-heading">
            <h3 id="mix-heading">CutMix preview</h3>
            <MixPreview />
          </section>
        </div>
        <section aria-labelledby="gallery-heading">
          <h3 id="gallery-heading">Test clips</h3>
          <PredictionGallery labels={labels} />
        </section>
      </div>
    </Panel>
  );
}
