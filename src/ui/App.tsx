import { useEffect } from 'react';
import { persistSettings, useSettings } from '../store/settings.ts';
import { useSystem } from '../store/system.ts';
import { useTraining } from '../store/training.ts';
import { ChartsPanel } from './charts/ChartsPanel.tsx';
import { DatasetPanel } from './dataset/DatasetPanel.tsx';
import { ExportPanel } from './export/ExportPanel.tsx';
import { AppHeader } from './layout/AppHeader.tsx';
import { ModelPanel } from './model/ModelPanel.tsx';
import { PretrainStage } from './pretrain/PretrainStage.tsx';
import { ResultsPanel } from './results/ResultsPanel.tsx';
import { RunColumn } from './runs/RunColumn.tsx';
import { RunStrip } from './runs/RunStrip.tsx';
import { TrainBar } from './runs/TrainBar.tsx';
import { BackendNotice } from './system/BackendNotice.tsx';
import { SystemPanel } from './system/SystemPanel.tsx';

export function App() {
  const backend = useSettings((s) => s.app.backend);
  const theme = useSettings((s) => s.view.theme);
  const startEngine = useSystem((s) => s.startEngine);
  const engineReady = useSystem((s) => s.status === 'ready');
  const refreshSavedRuns = useTraining((s) => s.refreshSavedRuns);
  const rejected = useSettings((s) => s.rejectedParams);

  useEffect(() => {
    // The address bar shows the whole configuration from the start, ready to share.
    persistSettings();
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    void startEngine(backend);
  }, [backend, startEngine]);

  useEffect(() => {
    if (engineReady) void refreshSavedRuns();
  }, [engineReady, refreshSavedRuns]);

  return (
    <div className="app">
      <AppHeader />
      <main className="app-main">
        <BackendNotice />
        {rejected.length > 0 && (
          <div className="notice notice-error" role="alert">
            Ignored from the link: {rejected.map((r) => `${r.key}=${r.text}`).join(', ')}
          </div>
        )}
        <div className="setup-grid">
          <DatasetPanel />
          <ModelPanel />
        </div>
        <PretrainStage />
        <TrainBar />
        <RunStrip />
        <ChartsPanel />
        <div className="run-grid">
          <RunColumn runId="A" />
          <RunColumn runId="B" />
        </div>
        <ResultsPanel />
        <ExportPanel />
        <SystemPanel />
      </main>
    </div>
  );
}
