import type { KeyReport } from '../../store/domain.ts';
import './model.css';

function KeyList({ title, keys, testId }: { title: string; keys: string[]; testId: string }) {
  return (
    <details
      className="key-list"
      data-testid={testId}
      data-count={keys.length}
      open={keys.length > 0 && keys.length <= 6}
    >
      <summary>
        {title}: <strong>{keys.length}</strong>
      </summary>
      {keys.length > 0 && (
        <ul>
          {keys.map((key) => (
            <li key={key}>
              <code>{key}</code>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

/** Missing, unexpected and mismatched keys, as Hugging Face's from_pretrained reports them. */
export function KeyReportView({ report }: { report: KeyReport }) {
  return (
    <div className="key-report" data-testid="key-report">
      <h3>Checkpoint report</h3>
      {report.notes.length > 0 && (
        <ul className="key-notes">
          {report.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      <KeyList title="Missing (newly initialised)" keys={report.missingKeys} testId="key-report-missing" />
      <KeyList title="Unexpected (not used)" keys={report.unexpectedKeys} testId="key-report-unexpected" />
      <details
        className="key-list"
        data-testid="key-report-mismatched"
        data-count={report.mismatchedKeys.length}
        open={report.mismatchedKeys.length > 0}
      >
        <summary>
          Shape mismatches (re-initialised): <strong>{report.mismatchedKeys.length}</strong>
        </summary>
        {report.mismatchedKeys.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Checkpoint</th>
                <th scope="col">Model</th>
              </tr>
            </thead>
            <tbody>
              {report.mismatchedKeys.map((m) => (
                <tr key={m.key}>
                  <td>
                    <code>{m.key}</code>
                  </td>
                  <td>[{m.checkpointShape.join(', ')}]</td>
                  <td>[{m.modelShape.join(', ')}]</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </div>
  );
}
