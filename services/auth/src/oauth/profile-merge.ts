import type { Logger, ServiceClient } from '@petpro/kit';
import {
  PROVIDER_PICTURE_MAX_BYTES,
  ProfileFillAnswer,
  parseContract,
  type ProfileFillRequest,
} from '@petpro/contracts';
import type { ProviderProfile } from './oauth.providers.ts';

const PICTURE_TYPES = /^image\/(jpeg|png|webp|gif)\b/i;

/**
 * Hands a provider's name and picture to the user service, which keeps each only where the profile
 * is empty. The picture is fetched here with a size and type limit and goes through the user
 * service's avatar pipeline (decoded once, IMAGE_MAX_PIXELS, re-encoded): the URL is never stored.
 * Best effort: a sign-in never fails because the profile could not be filled.
 */
export class ProfileMerge {
  constructor(private readonly deps: { client: ServiceClient; log: Logger; maxPictureBytes: number }) {}

  async fillEmpty(userId: string, profile: ProviderProfile): Promise<void> {
    if (!profile.name && !profile.pictureUrl) return;
    try {
      const picture = profile.pictureUrl ? await this.fetchPicture(profile.pictureUrl) : undefined;
      const body: ProfileFillRequest = {
        displayName: profile.name?.slice(0, 100),
        avatarBase64: picture?.toString('base64'),
      };
      const answer = await this.deps.client.json('user', {
        method: 'POST',
        path: `/internal/users/${encodeURIComponent(userId)}/profile/fill-empty`,
        body,
        timeoutMs: 10_000,
      });
      parseContract(ProfileFillAnswer, answer, 'user');
    } catch (err) {
      this.deps.log.warn({ userId, err: (err as Error).message }, 'profile could not be filled from the provider');
    }
  }

  /** The picture's bytes, or undefined when it is not an image or larger than the limit. */
  private async fetchPicture(url: string): Promise<Buffer | undefined> {
    const max = Math.min(this.deps.maxPictureBytes, PROVIDER_PICTURE_MAX_BYTES);
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000), headers: { accept: 'image/*' } });
    const type = res.headers.get('content-type') ?? '';
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (!res.ok || !PICTURE_TYPES.test(type) || declared > max || !res.body) {
      await res.body?.cancel();
      return undefined;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > max) return undefined; // leaving the loop cancels the download
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
}
