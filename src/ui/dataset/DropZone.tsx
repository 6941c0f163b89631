import { useRef, useState, type DragEvent } from 'react';
import { ARCHIVE_ACCEPT, collectDropped, collectPicked, type CollectedFiles } from '../../store/domain.ts';
import { useDataset } from '../../store/dataset.ts';
import './dataset.css';

/** Drop a folder (or files) here, or pick a folder / files. */
export function DropZone({ disabled }: { disabled: boolean }) {
  const ingestFiles = useDataset((s) => s.ingestFiles);
  const [over, setOver] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);
  const filesInput = useRef<HTMLInputElement>(null);

  const ingest = (collected: CollectedFiles) => {
    if (collected.files.length > 0) void ingestFiles(collected.files, collected.name);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    if (disabled) return;
    void collectDropped(event.dataTransfer).then(ingest);
  };

  return (
    <div
      className={`dropzone${over ? ' dropzone-over' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>
        <strong>Drop a folder of clips here</strong> (e.g. Hugging Face&apos;s <code>UCF101_subset</code>), or
      </p>
      <div className="row">
        <button type="button" disabled={disabled} onClick={() => folderInput.current?.click()}>
          Choose a folder…
        </button>
        <button type="button" disabled={disabled} onClick={() => filesInput.current?.click()}>
          Choose files…
        </button>
      </div>
      <p className="muted">
        Layouts: <code>train|val|test/Class/clip</code>, <code>Class/clip</code>, flat{' '}
        <code>v_Class_g01_c01.avi</code>, or UCF101&apos;s split files next to the clips. MP4, MOV, AVI, WebM,
        MKV, or the whole folder as a <code>.tar.gz</code>, <code>.tar</code> or <code>.zip</code>. Files
        never leave this tab.
      </p>
      <input
        ref={folderInput}
        type="file"
        hidden
        aria-label="Choose a dataset folder"
        data-testid="folder-input"
        {...{ webkitdirectory: '', directory: '' }}
        multiple
        onChange={(e) => {
          if (e.target.files) ingest(collectPicked(e.target.files));
          e.target.value = '';
        }}
      />
      <input
        ref={filesInput}
        type="file"
        hidden
        multiple
        aria-label="Choose clip files"
        data-testid="files-input"
        accept={`video/*,.avi,.mkv,.txt,${ARCHIVE_ACCEPT}`}
        onChange={(e) => {
          if (e.target.files) ingest(collectPicked(e.target.files));
          e.target.value = '';
        }}
      />
    </div>
  );
}
