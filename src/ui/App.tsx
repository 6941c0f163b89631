import { useEffect } from 'react';
import { useSettings } from '../store/settings.ts';
import { useSystem } from '../store/system.ts';
import { DatasetPanel } from './dataset/DatasetPanel.tsx';
import { BackendBadge } from './system/BackendBadge.tsx';
import { BackendNotice } from './system/BackendNotice.tsx';
import { SystemPanel } from './system/SystemPanel.tsx';

export function App() {
  const backend = useSettings((s) => s.app.backend);
  const startEngine = useSystem((s) => s.startEngine);
  const rejected = useSettings((s) => s.rejectedParams);

  useEffect(() => {
    void startEngine(backend);
  }, [backend, startEngine]);

  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>VideoMAE CutMix Playground</h1>
          <p className="tagline">
            Fine-tune a video transformer on your own clips, in this tab. Nothing leaves your machine.
          </p>
        </div>
        <BackendBadge />
      </header>
      <main className="app-main">
        <BackendNotice />
        {rejected.length > 0 && (
          <div className="notice notice-error" role="alert">
            Ignored from the link: {rejected.map((r) => `${r.key}=${r.text}`).join(', ')}
          </div>
        )}
        <DatasetPanel />
        <SystemPanel />
      </main>
    </div>
  );
}
