/**
 * How complete a profile is. The weights live here and only here; they add up to 100 so that a
 * complete profile is exactly 100 %.
 */
export const COMPLETENESS_WEIGHTS = {
  displayName: 20,
  phone: 15,
  address: 10,
  city: 10,
  bio: 10,
  avatar: 15,
  pets: 20,
} as const;

export type CompletenessItem = keyof typeof COMPLETENESS_WEIGHTS;

/** What the completeness is computed from. */
export interface CompletenessInput {
  displayName: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  bio: string | null;
  hasAvatar: boolean;
  petCount: number;
}

/** How complete a profile is: the weight of what is present, and what is not, in the weights' order. */
export interface Completeness {
  percent: number;
  missing: CompletenessItem[];
}

/** `{ percent, missing[] }` of a profile. */
export function computeCompleteness(input: CompletenessInput): Completeness {
  const present: Record<CompletenessItem, boolean> = {
    displayName: !!input.displayName,
    phone: !!input.phone,
    address: !!input.address,
    city: !!input.city,
    bio: !!input.bio,
    avatar: input.hasAvatar,
    pets: input.petCount > 0,
  };
  const items = Object.keys(COMPLETENESS_WEIGHTS) as CompletenessItem[];
  const total = items.reduce((sum, k) => sum + COMPLETENESS_WEIGHTS[k], 0);
  const earned = items.filter((k) => present[k]).reduce((sum, k) => sum + COMPLETENESS_WEIGHTS[k], 0);
  return { percent: Math.round((earned / total) * 100), missing: items.filter((k) => !present[k]) };
}
