/**
 * Named errors that cross the worker boundary. Comlink sends a thrown Error as {name, message, stack}; the
 * client turns it back into the class of the same name so the UI can react by type (`instanceof`).
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

const ERROR_CLASSES: Record<string, new (message: string) => EngineError> = {
  EngineError,
  BackendUnavailableError,
  EngineNotReadyError,
  WorkerCrashedError,
};

/** Registers an error class from another module (model, data, train) so that it revives by name too. */
export function registerEngineError(ctor: new (message: string) => EngineError): void {
  ERROR_CLASSES[new ctor('').name] = ctor;
}

export function reviveError(error: unknown): Error {
  if (!(error instanceof Error)) return new EngineError(String(error));
  if (error instanceof EngineError) return error;
  const ctor = ERROR_CLASSES[error.name];
  if (!ctor) return error;
  const revived = new ctor(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
}
