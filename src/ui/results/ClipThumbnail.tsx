/**
 * A clip's picture for the gallery: the dropped file itself in a muted <video> (Chrome shows its first
 * frame and plays it on hover). Small and self-contained, so a decoded thumbnail from the data worker can
 * replace it later. Formats the browser cannot play (AVI) show the file name instead.
 */
import { useState } from 'react';
import { useClipFile } from '../../store/dataset-link.ts';

const urls = new WeakMap<File, string>();

/** One object URL per file for the page's lifetime: the gallery re-renders, the file does not change. */
function urlFor(file: File): string {
  let url = urls.get(file);
  if (!url) urls.set(file, (url = URL.createObjectURL(file)));
  return url;
}

export function ClipThumbnail({ path }: { path: string }) {
  const file = useClipFile(path);
  const [failed, setFailed] = useState(false);
  if (!file || failed) {
    return (
      <div className="thumb thumb-missing" aria-hidden="true">
        {path.split('.').pop()?.toUpperCase()}
      </div>
    );
  }
  return (
    <video
      className="thumb"
      // A little into the clip: first frames are often black (fades) or blank.
      src={`${urlFor(file)}#t=0.4`}
      muted
      loop
      playsInline
      preload="auto"
      aria-hidden="true"
      onError={() => setFailed(true)}
      onMouseEnter={(e) => void e.currentTarget.play().catch(() => undefined)}
      onMouseLeave={(e) => e.currentTarget.pause()}
    />
  );
}
