/** What the training and pretraining slices share: how often they fold engine events in, and their setup error. */

/** How often queued engine events are folded into the state. */
export const FLUSH_INTERVAL_MS = 200;

/** A start refused before the engine is asked (settings, dataset, model, start weights). */
export class TrainingSetupError extends Error {
  override name = 'TrainingSetupError';
}
