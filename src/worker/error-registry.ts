/**
 * Every named error the worker can throw at the page, registered so that it revives as its own class.
 * The classes are plain (they import no tfjs), so the page pays only for their definitions.
 */
import {
  CheckpointFormatError,
  IncompatibleCheckpointError,
  MissingCheckpointFileError,
  ShapeMismatchError,
  UnsafePickleError,
} from '../model/checkpoint/errors.ts';
import {
  HubAccessError,
  HubEntryNotFoundError,
  HubError,
  HubNetworkError,
  HubRepoNotFoundError,
  HubRevisionNotFoundError,
  InvalidRepoIdError,
} from '../model/checkpoint/hub-errors.ts';
import { InvalidConfigError } from '../model/videomae/config.ts';
import { RunConfigError } from '../train/run-config.ts';
import { registerErrorClasses } from '../util/worker-boundary.ts';
import './errors.ts';

registerErrorClasses({
  CheckpointFormatError,
  IncompatibleCheckpointError,
  MissingCheckpointFileError,
  ShapeMismatchError,
  UnsafePickleError,
  HubError,
  HubAccessError,
  HubEntryNotFoundError,
  HubNetworkError,
  HubRepoNotFoundError,
  HubRevisionNotFoundError,
  InvalidRepoIdError,
  InvalidConfigError,
  RunConfigError,
});
