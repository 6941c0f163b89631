import { useSystem } from '../../store/system.ts';
import { describeAdapter } from '../../store/domain.ts';
import './system.css';

/** Which backend trains, on which adapter, and why: always visible in the header. */
export function BackendBadge() {
  const { status, report, error } = useSystem();
  if (status === 'starting' && !report) {
    return (
      <div className="badge badge-pending" data-testid="backend-badge" data-status="starting">
        Starting compute…
      </div>
    );
  }
  if (status === 'failed' || !report) {
    return (
      <div className="badge badge-error" data-testid="backend-badge" data-status="failed" title={error ?? ''}>
        No compute backend
      </div>
    );
  }
  const adapter = report.adapter;
  const gpu = report.backend === 'webgpu' && adapter && !adapter.isFallbackAdapter;
  return (
    <div
      className={`badge ${gpu ? 'badge-gpu' : 'badge-cpu'}`}
      data-testid="backend-badge"
      data-status={status}
      data-backend={report.backend}
      data-fallback-adapter={adapter ? String(adapter.isFallbackAdapter) : 'none'}
      data-measurement={report.measurement ? (report.measurement.cached ? 'cached' : 'measured') : 'none'}
      title={report.reason}
    >
      <span className="badge-backend">{report.backend}</span>
      <span className="badge-adapter">
        {adapter
          ? `${describeAdapter(adapter)}${adapter.isFallbackAdapter ? ' · software adapter' : ''}`
          : 'no WebGPU adapter'}
      </span>
      {report.measurement && report.preference === 'auto' && (
        <span className="badge-adapter">{report.measurement.cached ? 'timed earlier' : 'timed now'}</span>
      )}
      {status === 'starting' && <span className="badge-adapter">switching…</span>}
    </div>
  );
}
