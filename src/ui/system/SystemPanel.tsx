import { useSettings } from '../../store/settings.ts';
import { useSystem } from '../../store/system.ts';
import { BACKEND_PREFERENCES, describeAdapter, type BackendPreference } from '../../store/domain.ts';
import { Panel } from '../common/Panel.tsx';
import { formatBytes } from '../common/format.ts';
import { DecoderCrashCheck } from './DecoderCrashCheck.tsx';
import { DeviceLossCheck } from './DeviceLossCheck.tsx';
import { MemoryInUse } from './MemoryInUse.tsx';
import { ResponsivenessCheck } from './ResponsivenessCheck.tsx';
import { SelfCheckTable } from './SelfCheckTable.tsx';

const PREFERENCE_LABELS: Record<BackendPreference, string> = {
  auto: 'Automatic (fastest that works)',
  webgpu: 'WebGPU',
  wasm: 'WebAssembly (CPU, SIMD)',
  webgl: 'WebGL',
  cpu: 'Plain JavaScript (CPU)',
};

export function SystemPanel() {
  const preference = useSettings((s) => s.app.backend);
  const setAppSetting = useSettings((s) => s.setAppSetting);
  const report = useSystem((s) => s.report);
  const adapter = report?.adapter;
  return (
    <Panel
      id="system"
      title="System"
      subtitle="Where the tensors run, and a check that every backend agrees."
    >
      <div className="stack">
        <label className="field">
          <span>Compute backend</span>
          <select
            value={preference}
            onChange={(e) => setAppSetting('backend', e.target.value as BackendPreference)}
            data-testid="backend-select"
          >
            {BACKEND_PREFERENCES.map((p) => (
              <option key={p} value={p}>
                {PREFERENCE_LABELS[p]}
              </option>
            ))}
          </select>
        </label>
        {report && (
          <dl className="facts" data-testid="backend-facts">
            <dt>Backend</dt>
            <dd>{report.backend}</dd>
            <dt>Why</dt>
            <dd data-testid="backend-reason">{report.reason}</dd>
            <MemoryInUse />
            {report.wasm && (
              <>
                <dt>WebAssembly</dt>
                <dd>
                  SIMD {report.wasm.simd ? 'on' : 'off'}, threads{' '}
                  {report.wasm.threads ? report.wasm.threadCount : 'off'}
                </dd>
              </>
            )}
            <dt>WebGPU adapter</dt>
            <dd data-testid="adapter-info">
              {adapter
                ? `${describeAdapter(adapter)}${adapter.description && adapter.vendor ? ` (${adapter.description})` : ''}${adapter.compatibilityMode && !describeAdapter(adapter).includes('compatibility') ? ', compatibility mode' : ''}${adapter.isFallbackAdapter ? ', software fallback' : ''}`
                : 'none'}
            </dd>
            {adapter && (
              <>
                <dt>Adapter limits</dt>
                <dd>
                  {formatBytes(adapter.limits.maxComputeWorkgroupStorageSize)} workgroup storage,{' '}
                  {adapter.limits.maxComputeInvocationsPerWorkgroup} invocations per workgroup,{' '}
                  {formatBytes(adapter.limits.maxStorageBufferBindingSize)} per storage buffer,{' '}
                  {adapter.limits.maxStorageBuffersPerShaderStage} storage buffers per shader stage
                </dd>
              </>
            )}
          </dl>
        )}
        <details className="diagnostics" data-testid="diagnostics">
          <summary>Diagnostics: backend agreement, responsiveness, simulated faults</summary>
          <div className="stack">
            <SelfCheckTable />
            <ResponsivenessCheck />
            <DeviceLossCheck />
            <DecoderCrashCheck />
          </div>
        </details>
      </div>
    </Panel>
  );
}
