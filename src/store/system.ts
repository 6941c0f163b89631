/**
 * The system slice: which compute backend the worker runs, on what adapter and why, plus the backend
 * self-check. Actions talk to the worker; components only read this state.
 */
import { create } from 'zustand';
import {
  BACKENDS,
  type BackendPreference,
  type BackendReport,
  getEngine,
  type BusyWorkResult,
  type MemoryReport,
  type SelfCheckResult,
  type ThroughputReport,
} from '../worker/index.ts';
import { maxAbsDiff } from '../util/compare.ts';

export interface SelfCheckRow extends SelfCheckResult {
  /** Largest absolute difference from the cpu backend's result. */
  maxDiffFromCpu: number | null;
}

type Status = 'starting' | 'ready' | 'failed';

interface SystemState {
  status: Status;
  report: BackendReport | null;
  error: string | null;
  selfCheck: { running: boolean; rows: SelfCheckRow[] };
  busyWork: { running: boolean; last: BusyWorkResult | null };
  /** The last simulated GPU device loss: whether there was a device to destroy. */
  deviceLoss: { destroyed: boolean } | null;
  /**
   * The compute worker's tensor memory, polled: also a heartbeat, since a worker that stops answering
   * (a stuck GPU queue, a deadlock) otherwise looks like a slow step.
   */
  memory: { report: MemoryReport | null; asked: number | null };
  /** Measured once the engine is ready: what the cost estimates before "Train both" start from. */
  throughput: ThroughputReport | null;
  startEngine(preference: BackendPreference): Promise<void>;
  runSelfCheck(): Promise<void>;
  runBusyWork(ms: number): Promise<void>;
  simulateDeviceLoss(): Promise<void>;
  /** Asks for the memory report unless the last question is still unanswered. */
  pollMemory(): Promise<void>;
}

export function compareWithCpu(results: SelfCheckResult[]): SelfCheckRow[] {
  const cpu = results.find((r) => r.backend === 'cpu')?.values ?? null;
  return results.map((r) => ({
    ...r,
    maxDiffFromCpu: r.values && cpu ? maxAbsDiff(r.values, cpu) : null,
  }));
}

export const useSystem = create<SystemState>()((set, get) => ({
  status: 'starting',
  report: null,
  error: null,
  selfCheck: { running: false, rows: [] },
  busyWork: { running: false, last: null },
  deviceLoss: null,
  memory: { report: null, asked: null },
  throughput: null,

  async startEngine(preference) {
    set({ status: 'starting', error: null, throughput: null });
    try {
      const report = await getEngine().call('init', preference);
      set({ status: 'ready', report });
      // A fraction of a second of matMuls: the step-time estimate shown before training starts from it.
      void getEngine()
        .call('measureThroughput')
        .then((throughput) => {
          if (get().report?.backend === throughput.backend) set({ throughput });
        })
        .catch(() => undefined);
    } catch (error) {
      set({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  },

  async runSelfCheck() {
    set({ selfCheck: { running: true, rows: [] } });
    try {
      const results = await getEngine().call('selfCheck', BACKENDS);
      set({ selfCheck: { running: false, rows: compareWithCpu(results) } });
    } catch (error) {
      set({ selfCheck: { running: false, rows: [] }, error: String(error) });
    }
  },

  async runBusyWork(ms) {
    set((s) => ({ busyWork: { ...s.busyWork, running: true } }));
    try {
      const last = await getEngine().call('busyWork', ms);
      set({ busyWork: { running: false, last } });
    } catch (error) {
      set({ busyWork: { running: false, last: null }, error: String(error) });
    }
  },

  async pollMemory() {
    if (get().status !== 'ready' || get().memory.asked !== null) return;
    set((s) => ({ memory: { ...s.memory, asked: Date.now() } }));
    try {
      const report = await getEngine().call('memory');
      set({ memory: { report, asked: null } });
    } catch {
      set((s) => ({ memory: { ...s.memory, asked: null } }));
    }
  },

  async simulateDeviceLoss() {
    try {
      const destroyed = await getEngine().call('simulateDeviceLoss');
      set({ deviceLoss: { destroyed } });
    } catch (error) {
      set({ error: String(error) });
    }
  },
}));
