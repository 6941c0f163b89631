import { useDataset } from '../../store/dataset.ts';
import { formatBytes } from '../common/format.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * How the decoders are holding up: ffmpeg.wasm's instances and their memory against the budget at which
 * one is replaced, and decoder failures retried on a fresh decoder (recovered, or the clip rejected).
 */
export function DecoderFacts() {
  const decoders = useDataset((s) => s.cache?.decoders);
  if (!decoders) return null;
  const { ffmpeg, retries } = decoders;
  const parts: string[] = [];
  if (ffmpeg) {
    const heap = ffmpeg.heapBytes.length > 0 ? Math.max(...ffmpeg.heapBytes) : 0;
    parts.push(
      `ffmpeg.wasm: ${plural(ffmpeg.live, 'instance')} of ${ffmpeg.size}, ${plural(ffmpeg.commands, 'command')}, ` +
        `largest heap ${formatBytes(heap)} (peak ${formatBytes(ffmpeg.peakHeapBytes)}; replaced past ` +
        `${formatBytes(ffmpeg.heapBudgetBytes)})` +
        (ffmpeg.recycled > 0 ? `, ${ffmpeg.recycled} replaced` : '') +
        (ffmpeg.discarded + ffmpeg.stalled > 0
          ? `, ${plural(ffmpeg.discarded + ffmpeg.stalled, 'instance')} thrown away after a failure`
          : ''),
    );
  }
  if (retries.retried > 0) {
    parts.push(
      `${plural(retries.retried, 'decoder failure')} retried alone on a fresh decoder: ${retries.recovered} ` +
        `recovered, ${plural(retries.rejected, 'clip')} rejected`,
    );
  }
  if (parts.length === 0) return null;
  return (
    <p
      className="muted small"
      data-testid="decoder-facts"
      data-retried={retries.retried}
      data-recovered={retries.recovered}
      data-rejected={retries.rejected}
      data-peak-heap={ffmpeg?.peakHeapBytes ?? 0}
      data-heap-budget={ffmpeg?.heapBudgetBytes ?? 0}
    >
      {parts.join('; ')}
    </p>
  );
}
