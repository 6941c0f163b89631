/** Failures of loading from the Hugging Face Hub (or a mirror); plain classes the page can import. */

/** Base of every Hub failure; `url` is the request that failed. */
export class HubError extends Error {
  override name = 'HubError';
  constructor(
    message: string,
    readonly url: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}
export class HubRepoNotFoundError extends HubError {
  override name = 'HubRepoNotFoundError';
}
export class HubRevisionNotFoundError extends HubError {
  override name = 'HubRevisionNotFoundError';
}
export class HubEntryNotFoundError extends HubError {
  override name = 'HubEntryNotFoundError';
}
/** Gated or private repositories the request may not read. */
export class HubAccessError extends HubError {
  override name = 'HubAccessError';
}
/** The server could not be reached at all (offline, DNS, CORS, a mirror that is down). */
export class HubNetworkError extends HubError {
  override name = 'HubNetworkError';
}
export class InvalidRepoIdError extends Error {
  override name = 'InvalidRepoIdError';
}
