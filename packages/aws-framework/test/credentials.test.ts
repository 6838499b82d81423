import { describe, expect, it, vi } from 'vitest';
import {
  type Credentials,
  credentialsFor,
  REFRESH_BEFORE_EXPIRY_MS,
  refreshingCredentials,
} from '../src/connections/credentials.js';

const at = (ms: number) => new Date(ms);

describe('refreshingCredentials (the direct transport’s signing credentials)', () => {
  it('loads once and reuses credentials that do not expire', async () => {
    const load = vi.fn(async () => ({ accessKeyId: 'A', secretAccessKey: 'S' }));
    const provider = refreshingCredentials(load);
    expect(await provider()).toEqual({ accessKeyId: 'A', secretAccessKey: 'S' });
    await provider();
    await provider();
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith({ forceRefresh: false });
  });

  it('shares one load between concurrent callers', async () => {
    let release!: (credentials: Credentials) => void;
    const load = vi.fn(() => new Promise<Credentials>((resolve) => (release = resolve)));
    const provider = refreshingCredentials(load);
    const both = Promise.all([provider(), provider()]);
    release({ accessKeyId: 'A', secretAccessKey: 'S' });
    expect(await both).toEqual([
      { accessKeyId: 'A', secretAccessKey: 'S' },
      { accessKeyId: 'A', secretAccessKey: 'S' },
    ]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it(`refreshes (forced) once the credentials are within ${REFRESH_BEFORE_EXPIRY_MS / 60_000} minutes of expiring`, async () => {
    let now = 0;
    const expiration = at(60 * 60_000);
    let n = 0;
    const load = vi.fn(async () => ({ accessKeyId: `A${++n}`, secretAccessKey: 'S', expiration }));
    const provider = refreshingCredentials(load, () => now);
    expect((await provider()).accessKeyId).toBe('A1');
    now = expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS - 1;
    expect((await provider()).accessKeyId).toBe('A1');
    now = expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS;
    expect((await provider()).accessKeyId).toBe('A2');
    expect(load).toHaveBeenLastCalledWith({ forceRefresh: true });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not keep a failed load: the next call tries again', async () => {
    const load = vi
      .fn<() => Promise<Credentials>>()
      .mockRejectedValueOnce(new Error('no credentials'))
      .mockResolvedValueOnce({ accessKeyId: 'A', secretAccessKey: 'S' });
    const provider = refreshingCredentials(load);
    await expect(provider()).rejects.toThrow('no credentials');
    expect((await provider()).accessKeyId).toBe('A');
  });
});

describe('credentialsFor', () => {
  it('gives a local endpoint placeholder credentials when AWS_ACCESS_KEY_ID is unset', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    try {
      expect(await credentialsFor('http://127.0.0.1:3001/local')()).toEqual({
        accessKeyId: 'local',
        secretAccessKey: 'local',
      });
      expect(await credentialsFor('http://192.168.1.20:3001/local')()).toMatchObject({
        accessKeyId: 'local',
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
