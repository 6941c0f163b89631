/**
 * The one way across a worker boundary: Comlink, with errors that arrive as themselves. Comlink's own
 * handler sends a thrown Error as {name, message, stack} and the class and every field are lost (a Hub
 * error's URL and status arrived undefined on the page). Here the error's own fields travel too, and the
 * receiving side rebuilds it as the registered class of that name, without running its constructor (whose
 * arguments did not cross). Both sides install the handler by importing this module.
 */
import * as Comlink from 'comlink';

export type Remote<T> = Comlink.Remote<T>;

type ErrorClass = abstract new (...args: never[]) => Error;

const registry = new Map<string, ErrorClass>();

/**
 * Makes errors of these classes arrive as themselves on the other side. Keyed by the property names (each
 * class's `name`), not `cls.name`, which a minifier renames.
 */
export function registerErrorClasses(classes: Record<string, ErrorClass>): void {
  for (const [name, cls] of Object.entries(classes)) registry.set(name, cls);
}

interface SentError {
  name: string;
  message: string;
  stack: string | undefined;
  /** The error's own enumerable fields that can be cloned (a Hub error's url and status, a clip's reason). */
  fields: Record<string, unknown>;
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

export function toSentError(error: Error): SentError {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'name' && key !== 'message' && key !== 'stack' && cloneable(value)) fields[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

/** The error rebuilt as its registered class (or a plain Error of that name), fields and all. */
export function fromSentError(sent: SentError): Error {
  const cls = registry.get(sent.name);
  const error = Object.create((cls ?? Error).prototype as object) as Error;
  Object.defineProperties(error, {
    message: { value: sent.message, writable: true, configurable: true },
    name: { value: sent.name, writable: true, configurable: true },
    stack: { value: sent.stack, writable: true, configurable: true },
  });
  return Object.assign(error, sent.fields);
}

type Thrown = { value: unknown };
type SentThrow = { isError: true; value: SentError } | { isError: false; value: unknown };

// Comlink marks a thrown value with a symbol it does not export: its own handler knows it.
const comlinkThrow = Comlink.transferHandlers.get('throw')!;

Comlink.transferHandlers.set('throw', {
  canHandle: (value: unknown): value is Thrown => comlinkThrow.canHandle(value),
  serialize({ value }: Thrown): [SentThrow, Transferable[]] {
    if (value instanceof Error) return [{ isError: true, value: toSentError(value) }, []];
    return [{ isError: false, value }, []];
  },
  deserialize(sent: SentThrow): never {
    throw sent.isError ? fromSentError(sent.value) : sent.value;
  },
} satisfies Comlink.TransferHandler<Thrown, SentThrow>);

/** The remote object served on `endpoint` (a Worker, or a MessagePort handed over by another worker). */
export function wrapRemote<T>(endpoint: Comlink.Endpoint): Comlink.Remote<T> {
  return Comlink.wrap<T>(endpoint);
}

/** Lets go of a remote (its port can close). */
export function release(remote: Comlink.Remote<unknown>): void {
  remote[Comlink.releaseProxy]();
}

/** Serves `target` on `endpoint` (`self` in a worker, or a port). */
export function serve(target: object, endpoint?: Comlink.Endpoint): void {
  Comlink.expose(target, endpoint);
}
