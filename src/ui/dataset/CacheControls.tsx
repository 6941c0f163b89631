import { useEffect } from 'react';
import { useDataset } from '../../store/dataset.ts';
import { useTraining } from '../../store/training.ts';
import { formatBytes } from '../common/format.ts';
import { DecoderFacts } from './DecoderFacts.tsx';

const REFRESH_MS = 2000;
const BUDGETS = [128, 256, 512, 1024, 2048, 4096].map((mb) => mb * 2 ** 20);

/** The decoded-frame cache: memory use against its budget (settable), and what is kept on disk. */
export function CacheControls() {
  const cache = useDataset((s) => s.cache);
  const refreshCacheStats = useDataset((s) => s.refreshCacheStats);
  const training = useTraining((s) => s.phase === 'training');
  // While runs train, the decoders and the cache are busiest: keep their figures current.
  useEffect(() => {
    if (!training) return undefined;
    const timer = setInterval(() => void refreshCacheStats(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [training, refreshCacheStats]);
  const setMemoryBudget = useDataset((s) => s.setMemoryBudget);
  const clearCache = useDataset((s) => s.clearCache);
  if (!cache) return null;
  const { memory, disk } = cache;
  return (
    <div className="row cache-controls" data-testid="cache-controls">
      <label className="field">
        <span>Frame cache memory budget</span>
        <select
          value={memory.budget}
          data-testid="cache-budget"
          onChange={(e) => void setMemoryBudget(Number(e.target.value))}
        >
          {(BUDGETS.includes(memory.budget)
            ? BUDGETS
            : [...BUDGETS, memory.budget].sort((a, b) => a - b)
          ).map((bytes) => (
            <option key={bytes} value={bytes}>
              {formatBytes(bytes)}
            </option>
          ))}
        </select>
      </label>
      <span className="muted" data-testid="cache-usage">
        {formatBytes(memory.bytes)} in memory ({memory.clips} clips, {memory.frames} frames)
        {disk.available ? `; ${formatBytes(disk.bytes)} on disk (${disk.clips} clips)` : ''}
        {disk.note ? `; ${disk.note}` : ''}
      </span>
      <DecoderFacts />
      <button type="button" onClick={() => void clearCache()}>
        Clear cache
      </button>
    </div>
  );
}
