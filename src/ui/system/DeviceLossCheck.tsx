import { useSystem } from '../../store/system.ts';

/**
 * Destroys the WebGPU device the way a driver reset or a GPU process crash does, so anyone can see that
 * training pauses with a message and resumes from its last checkpoint on a new device.
 */
export function DeviceLossCheck() {
  const onWebGPU = useSystem((s) => s.report?.backend === 'webgpu');
  const deviceLoss = useSystem((s) => s.deviceLoss);
  const simulateDeviceLoss = useSystem((s) => s.simulateDeviceLoss);
  if (!onWebGPU) return null;
  return (
    <div className="row">
      <button type="button" onClick={() => void simulateDeviceLoss()} data-testid="simulate-device-loss">
        Simulate a GPU device loss
      </button>
      <span className="muted" data-testid="device-loss-result">
        {deviceLoss === null
          ? 'Checks recovery: running runs pause, and Resume continues from their last checkpoint.'
          : deviceLoss.destroyed
            ? 'The GPU device was destroyed.'
            : 'There was no GPU device to destroy.'}
      </span>
    </div>
  );
}
