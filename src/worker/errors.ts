/**
 * Named errors that cross the worker boundary. Comlink sends a thrown Error as {name, message, stack}; the
 * client turns it back into the class of the same name (see error-registry.ts), so the UI can react by
 * type (`instanceof`) and always has the original message.
 */

export class EngineError extends Error {
  override name = 'EngineError';
}

/** No tfjs backend could be initialised, or a requested one failed. */
export class BackendUnavailableError extends EngineError {
  override name = 'BackendUnavailableError';
}

/** The engine was asked to do something before `init` finished. */
export class EngineNotReadyError extends EngineError {
  override name = 'EngineNotReadyError';
}

/** The worker died (an uncaught error, or the browser killed it, e.g. out of memory). */
export class WorkerCrashedError extends EngineError {
  override name = 'WorkerCrashedError';
}

/** Training needs the data worker, which the page connects with a MessageChannel. */
export class DataNotConnectedError extends EngineError {
  override name = 'DataNotConnectedError';
}

export class NoDatasetError extends EngineError {
  override name = 'NoDatasetError';
}

export class NoModelError extends EngineError {
  override name = 'NoModelError';
}

export class EngineBusyError extends EngineError {
  override name = 'EngineBusyError';
}

export class InvalidRunConfigError extends EngineError {
  override name = 'InvalidRunConfigError';
}

export class UnknownRunError extends EngineError {
  override name = 'UnknownRunError';
}

type ErrorClass = abstract new (...args: never[]) => Error;

const registry = new Map<string, ErrorClass>();

/**
 * Makes errors of these classes revive as themselves on the page. Keyed by the property names (each
 * class's `name`), not `cls.name`, which a minifier renames.
 */
export function registerErrorClasses(classes: Record<string, ErrorClass>): void {
  for (const [name, cls] of Object.entries(classes)) registry.set(name, cls);
}

registerErrorClasses({
  EngineError,
  BackendUnavailableError,
  EngineNotReadyError,
  WorkerCrashedError,
  DataNotConnectedError,
  NoDatasetError,
  NoModelError,
  EngineBusyError,
  InvalidRunConfigError,
  UnknownRunError,
});

/**
 * The error as its own class when the name is registered (built without running its constructor, whose
 * arguments did not cross the boundary), else the error as it came.
 */
export function reviveError(error: unknown): Error {
  if (!(error instanceof Error)) return new EngineError(String(error));
  const original: Error = error;
  const cls = registry.get(original.name);
  if (!cls || Object.prototype.isPrototypeOf.call(cls.prototype, original)) return original;
  const revived = Object.create(cls.prototype as object) as Error;
  Object.defineProperties(revived, {
    message: { value: original.message, writable: true, configurable: true },
    name: { value: original.name, writable: true, configurable: true },
    stack: { value: original.stack, writable: true, configurable: true },
  });
  return revived;
}
