import { useSystem } from '../../store/system.ts';
import './system.css';

/** A plain message when training cannot use a GPU here, so nobody wonders why it is slow. */
export function BackendNotice() {
  const report = useSystem((s) => s.report);
  const error = useSystem((s) => s.error);
  const status = useSystem((s) => s.status);
  if (status === 'failed') {
    return (
      <div className="notice notice-error" role="alert">
        The compute worker could not start: {error}
      </div>
    );
  }
  if (!report || (report.backend === 'webgpu' && report.adapter && !report.adapter.isFallbackAdapter))
    return null;
  return (
    <div
      className="notice notice-compact"
      role="status"
      data-testid="backend-notice"
      title="For GPU speed, open this page in Chrome or Edge on a machine with a GPU and WebGPU enabled."
    >
      <strong>Training runs on the CPU ({report.backend}).</strong> {report.reason}.
    </div>
  );
}
