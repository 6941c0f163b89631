/**
 * Connects the compute worker (tfjs, training) to the data worker (decoding, batches) with a
 * MessageChannel, once: training batches then flow worker to worker, never through the page.
 */
import { getDataClient } from '../data/index.ts';
import { getEngine } from '../worker/index.ts';

let connected: Promise<void> | null = null;

export function connectEngineToData(): Promise<void> {
  connected ??= (async () => {
    const port = await getDataClient().createPort();
    await getEngine().call('connectData', port);
  })().catch((error: unknown) => {
    connected = null;
    throw error;
  });
  return connected;
}
