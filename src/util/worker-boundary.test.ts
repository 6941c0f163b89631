import { describe, expect, it } from 'vitest';
import { registerErrorClasses, release, serve, wrapRemote } from './worker-boundary.ts';

/** Shaped like the app's errors with fields: the Hub's (url, status) and a rejected clip's (reason, path). */
class HubRepoNotFoundError extends Error {
  override name = 'HubRepoNotFoundError';
  constructor(
    message: string,
    readonly url: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

class ClipRejectedError extends Error {
  override name = 'ClipRejectedError';
  constructor(
    readonly reason: string,
    readonly path = '',
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }
}

registerErrorClasses({ HubRepoNotFoundError, ClipRejectedError });

class Plain extends Error {
  override name = 'NotRegisteredError';
  constructor(readonly code: number) {
    super('no class for me on the other side');
  }
}

const service = {
  async hub(): Promise<void> {
    throw new HubRepoNotFoundError(
      'No repository fixtures/nope on the Hub',
      'https://hub.local/api/models/nope',
      404,
    );
  },
  async clip(): Promise<void> {
    throw new ClipRejectedError('corrupt video data', 'train/Grow/v_Grow_g01_c01.avi');
  },
  async plain(): Promise<void> {
    throw new Plain(7);
  },
  async notAnError(): Promise<void> {
    throw 'a string';
  },
};

describe('errors across a worker boundary', () => {
  it('arrive as their own class with their fields, or as an Error of that name with them', async () => {
    const { port1, port2 } = new MessageChannel();
    serve(service, port1);
    const remote = wrapRemote<typeof service>(port2);
    const hub = await remote.hub().catch((error: unknown) => error);
    expect(hub).toBeInstanceOf(HubRepoNotFoundError);
    expect(hub).toMatchObject({
      name: 'HubRepoNotFoundError',
      url: 'https://hub.local/api/models/nope',
      status: 404,
    });
    const clip = await remote.clip().catch((error: unknown) => error);
    expect(clip).toBeInstanceOf(ClipRejectedError);
    expect(clip).toMatchObject({ reason: 'corrupt video data', path: 'train/Grow/v_Grow_g01_c01.avi' });
    const plain = await remote.plain().catch((error: unknown) => error);
    expect(plain).toBeInstanceOf(Error);
    expect(plain).toMatchObject({ name: 'NotRegisteredError', code: 7 });
    await expect(remote.notAnError()).rejects.toBe('a string');
    release(remote);
    port1.close();
  });
});
