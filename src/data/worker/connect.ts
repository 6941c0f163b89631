/**
 * Reaching the data worker from elsewhere. The page owns the worker (client.ts) and can hand a MessagePort
 * to another worker; there, `connectDataApi(port)` gives the same typed API. Errors arrive as the named
 * classes of errors.ts (util/worker-boundary.ts). Only Comlink is imported: the compute worker does not pull
 * in any decoder.
 */
import { wrapRemote, type Remote } from '../../util/worker-boundary.ts';
import '../errors.ts';
import type { DataApi } from './protocol.ts';

/** The data API as seen from another thread: every method returns a promise. */
export type DataApiRemote = Remote<DataApi>;

/** In a worker that was handed a port from `DataClient.createPort()`: the data API over that port. */
export function connectDataApi(port: MessagePort): DataApiRemote {
  port.start?.();
  return wrapRemote<DataApi>(port);
}
