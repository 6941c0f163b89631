import { useDataset } from '../../store/dataset.ts';

/**
 * Crashes the next decode of a kind the way a real decoder failure does (an ffmpeg.wasm abort, a WebCodecs
 * decoder reclaimed mid-clip), so anyone can see that the clip is decoded again on a fresh decoder and no
 * clip is lost.
 */
export function DecoderCrashCheck() {
  const crashDecoder = useDataset((s) => s.crashDecoder);
  const hasDataset = useDataset((s) => s.index !== null);
  const retries = useDataset((s) => s.cache?.decoders.retries);
  if (!hasDataset) return null;
  return (
    <div className="row">
      <button type="button" onClick={() => void crashDecoder('ffmpeg')} data-testid="crash-ffmpeg">
        Crash an ffmpeg.wasm decoder
      </button>
      <button type="button" onClick={() => void crashDecoder('webcodecs')} data-testid="crash-webcodecs">
        Crash a WebCodecs decoder
      </button>
      <span className="muted">
        The next clip decoded that way fails; it is decoded again alone on a fresh decoder.
        {retries && retries.retried > 0
          ? ` So far ${retries.recovered} of ${retries.retried} failed decodes recovered.`
          : ''}
      </span>
    </div>
  );
}
