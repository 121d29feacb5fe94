import { NotFoundError, type Principal } from '@petpro/kit';
import type { InternalProfileAnswer, ProfileFillAnswerView, ProfileFillRequest } from '@petpro/contracts';
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
    return (await this.storeAvatar(principal.userId, data, { replace: true }))!;
  }

  /**
   * A social login provider's name and picture (issue 16), each kept only where the profile is
   * still empty: what the user set is never overwritten. The picture takes the avatar pipeline.
   */
  async fillEmpty(userId: string, input: ProfileFillRequest): Promise<ProfileFillAnswerView> {
    const profile = await this.deps.store.repos.profiles.findOrCreate(userId, null);
    const filled: ProfileFillAnswerView['filled'] = [];
    if (
      input.displayName &&
      !profile.displayName &&
      (await this.deps.store.repos.profiles.fillEmptyDisplayName(userId, input.displayName))
    )
      filled.push('displayName');
    if (
      input.avatarBase64 &&
      !(await this.deps.store.repos.images.findAvatar(userId)) &&
      (await this.storeAvatar(userId, Buffer.from(input.avatarBase64, 'base64'), { replace: false }))
    )
      filled.push('avatar');
    return { filled };
  }

  /**
   * Stores an avatar (every size) as the user's. `replace: false` keeps an avatar that exists by the
   * time the row is locked (an upload that won the race) and answers undefined.
   */
  private async storeAvatar(
    userId: string,
    data: Buffer,
    opts: { replace: boolean },
  ): Promise<ImageRecord | undefined> {
    const stored = await this.deps.media.store(userId, data, 'avatars');
    let result: { image: ImageRecord | undefined; replaced: ImageRecord | undefined };
    try {
      result = await this.deps.store.transaction(async (repos) => {
        // The profile row lock makes concurrent uploads replace one another instead of both inserting.
        await repos.profiles.lockById(userId);
        if (!opts.replace && (await repos.images.findAvatar(userId))) return { image: undefined, replaced: undefined };
        const replaced = await repos.images.deleteAvatar(userId);
        const image = await repos.images.insertAvatar({ id: stored.id, ownerId: userId, variants: stored.variants });
        return { image, replaced };
      });
    } catch (err) {
      await this.deps.media.remove(stored.variants);
      throw err;
    }
    if (!result.image) await this.deps.media.remove(stored.variants);
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
