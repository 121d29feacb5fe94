import { NotFoundError, type Principal } from '@petpro/kit';
import type { InternalProfileAnswer } from '@petpro/contracts';
import type { ProfilePatch, ProfileRecord } from './profiles.repository.ts';
import type { ImageRecord } from '../media/images.repository.ts';
import type { MediaService } from '../media/media.service.ts';
import type { UserStore } from '../store.ts';
import { computeCompleteness, type Completeness } from './completeness.ts';

/** A profile with what its view shows: the avatar and how complete the profile is. */
export interface ProfileDetails {
  profile: ProfileRecord;
  avatar: ImageRecord | null;
  completeness: Completeness;
}

/** Profiles and avatars of the calling user. */
export class ProfilesService {
  constructor(
    private readonly deps: {
      store: UserStore;
      media: MediaService;
    },
  ) {}

  private async details(p: ProfileRecord): Promise<ProfileDetails> {
    const [avatar, petCount] = await Promise.all([
      this.deps.store.repos.images.findAvatar(p.userId),
      this.deps.store.repos.pets.countActive(p.userId),
    ]);
    return {
      profile: p,
      avatar: avatar ?? null,
      completeness: computeCompleteness({ ...p, hasAvatar: !!avatar, petCount }),
    };
  }

  /** The caller's profile, created from the token's identity on first access. */
  async findOrCreate(principal: Principal): Promise<ProfileDetails> {
    return this.details(await this.deps.store.repos.profiles.findOrCreate(principal.userId, principal.email ?? null));
  }

  /** Changes the given fields of the caller's profile. */
  async update(principal: Principal, patch: ProfilePatch): Promise<ProfileDetails> {
    await this.deps.store.repos.profiles.findOrCreate(principal.userId, principal.email ?? null);
    return this.details(await this.deps.store.repos.profiles.update(principal.userId, patch));
  }

  /** Stores a new avatar (every size) and removes the files of the one it replaces. */
  async setAvatar(principal: Principal, data: Buffer): Promise<ImageRecord> {
    await this.deps.store.repos.profiles.findOrCreate(principal.userId, principal.email ?? null);
    const stored = await this.deps.media.store(principal.userId, data, 'avatars');
    let result: { image: ImageRecord; replaced: ImageRecord | undefined };
    try {
      result = await this.deps.store.transaction(async (repos) => {
        // The profile row lock makes concurrent uploads replace one another instead of both inserting.
        await repos.profiles.lockById(principal.userId);
        const replaced = await repos.images.deleteAvatar(principal.userId);
        const image = await repos.images.insertAvatar({
          id: stored.id,
          ownerId: principal.userId,
          variants: stored.variants,
        });
        return { image, replaced };
      });
    } catch (err) {
      await this.deps.media.remove(stored.variants);
      throw err;
    }
    if (result.replaced) await this.deps.media.remove(result.replaced.variants);
    return result.image;
  }

  /** A user's contact details for other services (404 when the user never opened their profile). */
  async findContact(userId: string): Promise<InternalProfileAnswer> {
    const p = await this.deps.store.repos.profiles.findById(userId);
    if (!p) throw new NotFoundError('profile_not_found', 'This user has no profile yet');
    return { userId: p.userId, email: p.email, displayName: p.displayName, phone: p.phone, city: p.city };
  }

  /** Removes the caller's avatar and its files (nothing to do when there is none). */
  async deleteAvatar(principal: Principal): Promise<void> {
    const removed = await this.deps.store.repos.images.deleteAvatar(principal.userId);
    if (removed) await this.deps.media.remove(removed.variants);
  }
}
