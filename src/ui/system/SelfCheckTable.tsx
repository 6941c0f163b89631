import { useSystem } from '../../store/system.ts';
import { formatMs } from '../common/format.ts';

/** The same small op on every backend, compared with cpu: a quick way to trust (or distrust) a backend. */
export function SelfCheckTable() {
  const { running, rows } = useSystem((s) => s.selfCheck);
  const runSelfCheck = useSystem((s) => s.runSelfCheck);
  const ready = useSystem((s) => s.status === 'ready');
  return (
    <div className="stack">
      <div className="row">
        <button type="button" onClick={() => void runSelfCheck()} disabled={running || !ready}>
          {running ? 'Checking backends…' : 'Check every backend'}
        </button>
        <span className="muted">softmax(xW/√d)·V then GELU, 8×16, on each backend; compared with cpu.</span>
      </div>
      {rows.length > 0 && (
        <table className="table" data-testid="self-check-table">
          <thead>
            <tr>
              <th scope="col">Backend</th>
              <th scope="col">Result</th>
              <th scope="col">Max |Δ| vs cpu</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr
                key={row.backend}
                data-backend={row.backend}
                data-max-diff={row.maxDiffFromCpu ?? ''}
                data-ok={String(
                  row.error === null && row.maxDiffFromCpu !== null && row.maxDiffFromCpu < 1e-4,
                )}
              >
                <th scope="row">{row.backend}</th>
                <td>
                  {row.error ? (
                    <span className="error-text">{row.error}</span>
                  ) : (
                    `${row.values?.length} values`
                  )}
                </td>
                <td>{row.maxDiffFromCpu === null ? '—' : row.maxDiffFromCpu.toExponential(2)}</td>
                <td>{row.error ? '—' : formatMs(row.ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
