import { toImageView } from '../media/media.view.ts';
import type { ProfileDetails } from './profiles.service.ts';
import type { ProfileView } from './profiles.schemas.ts';

/** A profile as its owner sees it: the avatar's URLs (the 256 px one as `avatarUrl`) and its completeness. */
export function toProfileView(d: ProfileDetails, mediaUrl: string): ProfileView {
  const p = d.profile;
  const avatar = d.avatar ? toImageView(d.avatar, mediaUrl) : null;
  return {
    userId: p.userId,
    email: p.email,
    displayName: p.displayName,
    phone: p.phone,
    address: p.address,
    city: p.city,
    bio: p.bio,
    avatarUrl: avatar?.url ?? null,
    avatar,
    completeness: d.completeness,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
