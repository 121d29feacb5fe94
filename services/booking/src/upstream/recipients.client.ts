/**
 * Who a reminder goes to, read when it is sent (never copied at booking time): the account's email
 * from the auth service, and the phone, language, zone and notification switches from the user
 * service. Answers are parsed with the shared contracts (@petpro/contracts).
 */
import { AppError, UpstreamHttpError, type Channel, type NotificationRecipient, type ServiceClient } from '@petpro/kit';
import {
  InternalPreferences,
  InternalProfile,
  InternalUserContact,
  parseContract,
  type InternalPreferencesView,
} from '@petpro/contracts';
import type { ReminderPreferences } from '../reminders/reminders.model.ts';
import type { CarePreferences } from '../reminders/care.model.ts';

/** The user service names the in-app channel `inApp`; the kit's channels say `in_app`. */
const PREFERENCE_KEY: Record<Channel, 'email' | 'sms' | 'push' | 'inApp'> = {
  email: 'email',
  sms: 'sms',
  push: 'push',
  in_app: 'inApp',
};

export interface ReminderRecipient extends NotificationRecipient {
  name: string | null;
  preferences: ReminderPreferences;
  /** Channels with `healthReminders` on (care reminders). */
  careChannels: Channel[];
}

/**
 * How long a recipient read for one reminder serves the next ones to the same user: a burst of
 * reminders (a clinic's morning, many pets of one owner) then costs one read per user instead of three
 * service calls per reminder, while a changed address or switch still applies within seconds.
 */
const RECIPIENT_TTL_MS = 15_000;
const RECIPIENT_CACHE_MAX = 10_000;

/** What reminders read of an owner's preferences. */
export type OwnerPreferences = ReminderPreferences & {
  language: 'id' | 'en';
  timeZone: string;
  care: CarePreferences;
};

/** The user service's preferences document as reminders read it (channels in the kit's names). */
export function ownerPreferences(prefs: InternalPreferencesView): OwnerPreferences {
  const on = (flag: 'bookingReminders' | 'healthReminders') =>
    (Object.keys(PREFERENCE_KEY) as Channel[]).filter((c) => prefs.notifications[PREFERENCE_KEY[c]][flag]);
  return {
    offsetsMinutes: prefs.notifications.reminderOffsetsMinutes,
    channels: on('bookingReminders'),
    care: {
      offsetsDays: prefs.notifications.careReminderOffsetsDays,
      channels: on('healthReminders'),
      timeZone: prefs.timeZone,
    },
    language: prefs.language,
    timeZone: prefs.timeZone,
  };
}

export class RecipientDirectory {
  private readonly recent = new Map<string, { at: number; recipient: Promise<ReminderRecipient> }>();

  constructor(
    private readonly client: ServiceClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** `recipient`, answered from a read of the last RECIPIENT_TTL_MS when there is one (failures are not kept). */
  recentRecipient(userId: string): Promise<ReminderRecipient> {
    const now = this.now();
    const hit = this.recent.get(userId);
    if (hit && now - hit.at < RECIPIENT_TTL_MS) return hit.recipient;
    if (this.recent.size >= RECIPIENT_CACHE_MAX) {
      for (const [id, e] of this.recent) if (now - e.at >= RECIPIENT_TTL_MS) this.recent.delete(id);
      if (this.recent.size >= RECIPIENT_CACHE_MAX) this.recent.clear();
    }
    const recipient = this.recipient(userId);
    this.recent.set(userId, { at: now, recipient });
    recipient.catch(() => {
      if (this.recent.get(userId)?.recipient === recipient) this.recent.delete(userId);
    });
    return recipient;
  }

  /** The owner's reminder preferences: offsets and the channels with booking reminders on. */
  async preferences(userId: string): Promise<OwnerPreferences> {
    const body = await this.get('user', `/internal/users/${encodeURIComponent(userId)}/preferences`);
    return ownerPreferences(parseContract(InternalPreferences, body, 'user'));
  }

  /** Everything a channel needs to reach the user; an unverified email is left out (no mail to it). */
  async recipient(userId: string): Promise<ReminderRecipient> {
    const id = encodeURIComponent(userId);
    const [contactBody, profileBody, prefs] = await Promise.all([
      this.get('auth', `/internal/users/${id}`),
      this.get('user', `/internal/users/${id}/profile`, true),
      this.preferences(userId),
    ]);
    const contact = parseContract(InternalUserContact, contactBody, 'auth');
    const profile = profileBody === undefined ? undefined : parseContract(InternalProfile, profileBody, 'user');
    return {
      userId,
      email: contact.emailVerified ? contact.email : undefined,
      phone: profile?.phone ?? undefined,
      language: prefs.language,
      timeZone: prefs.timeZone,
      name: profile?.displayName ?? contact.name ?? null,
      preferences: { offsetsMinutes: prefs.offsetsMinutes, channels: prefs.channels },
      careChannels: prefs.care.channels,
    };
  }

  /** The contact of a clinic's owner (the daily agenda's addressee). */
  async contact(userId: string): Promise<{ email: string; name: string; language: 'id' | 'en' } | undefined> {
    const body = await this.get('auth', `/internal/users/${encodeURIComponent(userId)}`, true);
    if (body === undefined) return undefined;
    const c = parseContract(InternalUserContact, body, 'auth');
    return c.emailVerified ? { email: c.email, name: c.name, language: c.language } : undefined;
  }

  private async get(service: string, path: string, optional = false): Promise<unknown> {
    try {
      return await this.client.json<unknown>(service, { path });
    } catch (err) {
      if (optional && err instanceof UpstreamHttpError && err.status === 404) return undefined;
      if (err instanceof UpstreamHttpError)
        throw new AppError(502, 'upstream_error', `The ${service} service answered ${err.status}`);
      throw err;
    }
  }
}
