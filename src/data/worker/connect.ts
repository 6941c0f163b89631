/**
 * Reaching the data worker from elsewhere. The page owns the worker (client.ts) and can hand a MessagePort
 * to another worker; there, `connectDataApi(port)` gives the same typed API, with errors revived into the
 * named classes of errors.ts. Only Comlink is imported: the compute worker does not pull in any decoder.
 */
import * as Comlink from 'comlink';
import { reviveDataError } from '../errors.ts';
import type { DataApi } from './protocol.ts';

type Methods<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** The data API as seen from another thread: every method returns a promise. */
export type DataApiRemote = Methods<DataApi>;

/** Wraps a Comlink endpoint so that every call revives named data errors. */
export function wrapDataApi(endpoint: Comlink.Endpoint): DataApiRemote & { release(): void } {
  const remote = Comlink.wrap<DataApi>(endpoint);
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy({} as DataApiRemote & { release(): void }, {
    get(_target, name) {
      if (name === 'release') return () => remote[Comlink.releaseProxy]();
      if (name === 'then') return undefined;
      let fn = cache.get(name);
      if (!fn) {
        fn = async (...args: unknown[]) => {
          try {
            return await (remote[name as keyof DataApi] as unknown as (...a: unknown[]) => Promise<unknown>)(
              ...args,
            );
          } catch (error) {
            throw reviveDataError(error);
          }
        };
        cache.set(name, fn);
      }
      return fn;
    },
  });
}

/** In a worker that was handed a port from `DataClient.createPort()`: the data API over that port. */
export function connectDataApi(port: MessagePort): DataApiRemote & { release(): void } {
  port.start?.();
  return wrapDataApi(port);
}
