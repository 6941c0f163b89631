/**
 * Named errors of the compute worker. They cross to the page as themselves, fields included
 * (util/worker-boundary.ts; every class the worker can throw is registered in error-registry.ts), so the UI
 * can react by type (`instanceof`) and always has the original message.
 */
import { registerErrorClasses } from '../util/worker-boundary.ts';

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
