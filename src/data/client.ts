/**
 * The page's handle on the data worker, started on first use. `createPort()` makes a MessageChannel whose
 * other end the data worker serves, for handing to the compute worker (training reads batches directly,
 * without a hop through the page).
 */
import * as Comlink from 'comlink';
import { wrapRemote } from '../util/worker-boundary.ts';
import './errors.ts';
import type { DataApiRemote } from './worker/connect.ts';
import type { DataApi } from './worker/protocol.ts';

interface Connectable {
  connect(port: MessagePort): void;
}

export class DataClient {
  readonly api: DataApiRemote;
  private readonly worker: Worker;
  private readonly raw: Comlink.Remote<Connectable>;

  constructor() {
    this.worker = new Worker(new URL('./worker/data.worker.ts', import.meta.url), {
      type: 'module',
      name: 'data',
    });
    this.api = wrapRemote<DataApi>(this.worker);
    this.raw = wrapRemote<Connectable>(this.worker);
  }

  /** A port serving the data API; transfer it to another worker and call `connectDataApi(port)` there. */
  async createPort(): Promise<MessagePort> {
    const channel = new MessageChannel();
    await this.raw.connect(Comlink.transfer(channel.port1, [channel.port1]));
    return channel.port2;
  }

  terminate(): void {
    this.worker.terminate();
  }
}

let shared: DataClient | null = null;

export function getDataClient(): DataClient {
  shared ??= new DataClient();
  return shared;
}
