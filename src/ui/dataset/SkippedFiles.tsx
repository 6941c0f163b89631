import { type DatasetIndex, baseName } from '../../store/domain.ts';

/** Files that looked like video but could not be used, and how many non-video files were ignored. */
export function SkippedFiles({ index }: { index: DatasetIndex }) {
  return (
    <div className="stack">
      {index.skipped.length > 0 && (
        <details open={index.skipped.length <= 10}>
          <summary>
            {index.skipped.length} file{index.skipped.length === 1 ? '' : 's'} skipped
          </summary>
          <table className="table" data-testid="skipped-files">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {index.skipped.map((s) => (
                <tr key={s.path} data-path={s.path}>
                  <td title={s.path}>{baseName(s.path)}</td>
                  <td>{s.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {index.ignoredCount > 0 && (
        <p className="muted" data-testid="ignored-count" data-count={index.ignoredCount}>
          {index.ignoredCount} non-video file{index.ignoredCount === 1 ? '' : 's'} ignored (e.g.{' '}
          {index.ignoredExamples.slice(0, 3).map(baseName).join(', ')}).
        </p>
      )}
    </div>
  );
}
