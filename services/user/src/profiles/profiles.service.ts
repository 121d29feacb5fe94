import { NotFoundError, type Principal } from '@petpro/kit';
import type { InternalProfileAnswer } from '@petpro/contracts';
import type { ProfilePatch, ProfileRecord } from './profiles.repository.ts';
import type { ImageRecord } from '../media/images.repository.ts';
import type { MediaService, ImageView } from '../media/media.service.ts';
import type { UserStore } from '../store.ts';
import { computeCompleteness } from './completeness.ts';

/** What GET /users/me answers. */
export interface ProfileView extends Omit<ProfileRecord, 'createdAt' | 'updatedAt'> {
  avatarUrl: string | null;
  avatar: ImageView | null;
  completeness: ReturnType<typeof computeCompleteness>;
  createdAt: string;
  updatedAt: string;
}

/** Profiles and avatars of the calling user. */
export class ProfilesService {
  constructor(
    private readonly deps: {
      store: UserStore;
      media: MediaService;
    },
  ) {}

  private async view(p: ProfileRecord, avatar?: ImageRecord | null): Promise<ProfileView> {
    const [image, petCount] = await Promise.all([
      avatar === undefined ? this.deps.store.repos.images.findAvatar(p.userId) : avatar,
      this.deps.store.repos.pets.countActive(p.userId),
    ]);
    const avatarView = image ? this.deps.media.view(image) : null;
    return {
      userId: p.userId,
      email: p.email,
      displayName: p.displayName,
      phone: p.phone,
      address: p.address,
      city: p.city,
      bio: p.bio,
      avatarUrl: avatarView?.url ?? null,
      avatar: avatarView,
      completeness: computeCompleteness({ ...p, hasAvatar: !!image, petCount }),
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }

  /** The caller's profile, created from the token's identity on first access. */
  async findOrCreate(principal: Principal): Promise<ProfileView> {
    return this.view(await this.deps.store.repos.profiles.findOrCreate(principal.userId, principal.email ?? null));
  }

  /** Changes the given fields of the caller's profile. */
  async update(principal: Principal, patch: ProfilePatch): Promise<ProfileView> {
    await this.deps.store.repos.profiles.findOrCreate(principal.userId, principal.email ?? null);
    return this.view(await this.deps.store.repos.profiles.update(principal.userId, patch));
  }

  /** Stores a new avatar (every size) and removes the files of the one it replaces. */
  async setAvatar(principal: Principal, data: Buffer): Promise<ImageView> {
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
    return this.deps.media.view(result.image);
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
