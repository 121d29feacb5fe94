import type { Principal } from '@petpro/kit';
import type { ProfileFillAnswerView, ProfileFillRequest } from '@petpro/contracts';
import type { ProfilesRepository, ProfilePatch, ProfileRecord } from './profiles.repository.ts';
import type { ImagesRepository, ImageRecord } from '../media/images.repository.ts';
import type { MediaService, ImageView } from '../media/media.service.ts';
import type { PetsRepository } from '../pets/pets.repository.ts';
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
      profiles: ProfilesRepository;
      images: ImagesRepository;
      pets: PetsRepository;
      media: MediaService;
    },
  ) {}

  private async view(p: ProfileRecord, avatar?: ImageRecord | null): Promise<ProfileView> {
    const [image, petCount] = await Promise.all([
      avatar === undefined ? this.deps.images.findAvatar(p.userId) : avatar,
      this.deps.pets.countActive(p.userId),
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
  async get(principal: Principal): Promise<ProfileView> {
    return this.view(await this.deps.profiles.findOrCreate(principal.userId, principal.email ?? null));
  }

  /** Changes the given fields of the caller's profile. */
  async update(principal: Principal, patch: ProfilePatch): Promise<ProfileView> {
    await this.deps.profiles.findOrCreate(principal.userId, principal.email ?? null);
    return this.view(await this.deps.profiles.update(principal.userId, patch));
  }

  /** Stores a new avatar (every size) and removes the files of the one it replaces. */
  async setAvatar(principal: Principal, data: Buffer): Promise<ImageView> {
    await this.deps.profiles.findOrCreate(principal.userId, principal.email ?? null);
    return this.storeAvatar(principal.userId, data);
  }

  /**
   * A social login provider's name and picture (issue 16), each kept only where the profile is
   * still empty: what the user set is never overwritten. The picture takes the avatar pipeline.
   */
  async fillEmpty(userId: string, input: ProfileFillRequest): Promise<ProfileFillAnswerView> {
    const profile = await this.deps.profiles.findOrCreate(userId, null);
    const filled: ProfileFillAnswerView['filled'] = [];
    if (
      input.displayName &&
      !profile.displayName &&
      (await this.deps.profiles.fillEmptyDisplayName(userId, input.displayName))
    )
      filled.push('displayName');
    if (input.avatarBase64 && !(await this.deps.images.findAvatar(userId))) {
      await this.storeAvatar(userId, Buffer.from(input.avatarBase64, 'base64'));
      filled.push('avatar');
    }
    return { filled };
  }

  private async storeAvatar(userId: string, data: Buffer): Promise<ImageView> {
    const stored = await this.deps.media.store(userId, data, 'avatars');
    let result: Awaited<ReturnType<typeof this.deps.images.replaceAvatar>>;
    try {
      result = await this.deps.images.replaceAvatar({
        id: stored.id,
        ownerId: userId,
        variants: stored.variants,
      });
    } catch (err) {
      await this.deps.media.remove(stored.variants);
      throw err;
    }
    if (result.replaced) await this.deps.media.remove(result.replaced.variants);
    return this.deps.media.view(result.image);
  }

  /** Removes the caller's avatar and its files (nothing to do when there is none). */
  async deleteAvatar(principal: Principal): Promise<void> {
    const removed = await this.deps.images.deleteAvatar(principal.userId);
    if (removed) await this.deps.media.remove(removed.variants);
  }
}
