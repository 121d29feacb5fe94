import { TooManyRequestsError } from './errors.ts';
import type { Language, Mailer } from './mail.ts';
import { SmsRejectedError, type SmsSender, SmsUnavailableError } from './sms.ts';

/**
 * One interface for every way PetPro tells a user something (appointment reminders, care reminders,
 * notices), used by every service: a service builds a `ChannelRegistry`, registers the senders it
 * has (`email`, `sms` here; `push`, `in_app` where they are built) and dispatches through it, so a new
 * channel plugs in by registration without touching the code that decides what to send.
 */
export const CHANNELS = ['email', 'sms', 'push', 'in_app'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Who receives it: what any channel may need, read from the auth and user services. */
export interface NotificationRecipient {
  userId: string;
  /** Absent when the account has none (or it is not verified): the email channel refuses permanently. */
  email?: string;
  /** E.164; absent when the user gave none: the sms channel refuses permanently. */
  phone?: string;
  language: Language;
  /** IANA zone the user reads times in (texts may name local times). */
  timeZone: string;
}

/** What a message is for: logs, metrics, the inbox's filter and webhook receivers see it, never the text. */
export type NotificationPurpose = 'appointment_reminder' | 'care_reminder' | 'clinic_agenda' | 'notice';

/**
 * A message rendered once, in the recipient's language, in every length a channel may want: each
 * channel takes what fits (email: subject + longText + html; sms: shortText; push: subject + shortText
 * + link; in_app: subject + shortText + link + data).
 */
export interface NotificationMessage {
  purpose: NotificationPurpose;
  subject: string;
  /** One or two sentences, plain text, at most ~300 characters (an SMS, a push body, an inbox line). */
  shortText: string;
  /** The full plain-text body (the mail's text part). */
  longText: string;
  /** The full HTML body (the mail's HTML part); channels without HTML ignore it. */
  html?: string;
  /** Where the user acts on it (the booking page, a cancel link): absolute URL. */
  link?: string;
  /** Structured facts for clients (bookingId, startsAt...): kept by in_app, sent in a push payload. */
  data?: Record<string, unknown>;
}

export interface SendOptions {
  /**
   * Stable across retries of the same delivery (e.g. `reminder:<booking>:<offset>:<channel>:<start>`):
   * a sender that can deduplicate (an inbox row, a Message-ID, a provider key) uses it so that a retry
   * after an unclear failure does not show the user the message twice.
   */
  idempotencyKey: string;
}

export interface SendResult {
  /** The provider's or store's id of what was sent, for the delivery ledger. */
  id: string;
}

/** Sends a message on one channel. Throws a NotificationError (or any error, treated as retryable). */
export interface ChannelSender {
  readonly channel: Channel;
  send(recipient: NotificationRecipient, message: NotificationMessage, opts: SendOptions): Promise<SendResult>;
}

/** Base of the errors a sender throws on purpose; `permanent` says whether a retry could ever help. */
export class NotificationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
    /** For retryable failures: the earliest sensible retry, in ms (a provider's Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Will never succeed for this recipient and message (no address, bad number, switched off). */
export class PermanentNotificationError extends NotificationError {
  constructor(code: string, message: string) {
    super(code, message, true);
  }
}

/** Failed this time (provider down, timeout, cap reached for today): retry later. */
export class RetryableNotificationError extends NotificationError {
  constructor(code: string, message: string, retryAfterMs?: number) {
    super(code, message, false, retryAfterMs);
  }
}

/** No sender is registered for the channel in this service (yet): callers keep the work and retry later. */
export class ChannelUnavailableError extends NotificationError {
  constructor(readonly channel: Channel) {
    super('channel_unavailable', `No sender is registered for the ${channel} channel`, false);
  }
}

/**
 * How to treat any error a sender threw: the kit's notification errors say it themselves, the SMS
 * sender's errors carry `permanent`, a 429 (a cap) is retryable after its Retry-After; anything else
 * (a bug, a network error) is retryable, so nothing is lost.
 */
export function classifySendError(err: unknown): NotificationError {
  if (err instanceof NotificationError) return err;
  if (err instanceof SmsRejectedError) return new PermanentNotificationError('rejected', err.message);
  if (err instanceof SmsUnavailableError) return new RetryableNotificationError('provider_unavailable', err.message);
  if (err instanceof TooManyRequestsError) {
    const seconds = Number(err.extra.retryAfterSeconds ?? 60);
    return new RetryableNotificationError(err.code, err.message, seconds * 1_000);
  }
  return new RetryableNotificationError('send_failed', err instanceof Error ? err.message : String(err));
}

/** The senders one service can use, by channel. Register at start; dispatch with `send`. */
export class ChannelRegistry {
  private readonly senders = new Map<Channel, ChannelSender>();

  /** Adds (or replaces) the sender of its channel; returns the registry for chaining. */
  register(sender: ChannelSender): this {
    this.senders.set(sender.channel, sender);
    return this;
  }

  has(channel: Channel): boolean {
    return this.senders.has(channel);
  }

  /** The channels with a sender, in CHANNELS order. */
  channels(): Channel[] {
    return CHANNELS.filter((c) => this.senders.has(c));
  }

  /** Sends on `channel`; throws ChannelUnavailableError when no sender is registered, else what the sender throws. */
  async send(
    channel: Channel,
    recipient: NotificationRecipient,
    message: NotificationMessage,
    opts: SendOptions,
  ): Promise<SendResult> {
    const sender = this.senders.get(channel);
    if (!sender) throw new ChannelUnavailableError(channel);
    return sender.send(recipient, message, opts);
  }
}

/** Counts one message to an account on a channel; throws (the kit's 429) past a cap. */
export type RecipientCap = (recipient: NotificationRecipient, message: NotificationMessage) => Promise<void>;

/**
 * The `email` channel over the kit's mailer: subject, longText and html; the idempotency key becomes
 * the Message-ID.
 */
export function emailChannel(mailer: Mailer, opts: { messageIdDomain: string; cap?: RecipientCap }): ChannelSender {
  return {
    channel: 'email',
    async send(recipient, message, { idempotencyKey }) {
      if (!recipient.email) throw new PermanentNotificationError('no_email', 'The recipient has no email address');
      await opts.cap?.(recipient, message);
      const messageId = `<${Buffer.from(idempotencyKey).toString('base64url')}@${opts.messageIdDomain}>`;
      await mailer.send({
        to: recipient.email,
        subject: message.subject,
        text: message.longText,
        html: message.html ?? message.longText,
        messageId,
      });
      return { id: messageId };
    },
  };
}

/** The `sms` channel over the kit's SMS sender (its per-phone daily cap applies): the short text only. */
export function smsChannel(sms: SmsSender, opts: { cap?: RecipientCap } = {}): ChannelSender {
  return {
    channel: 'sms',
    async send(recipient, message) {
      if (!recipient.phone) throw new PermanentNotificationError('no_phone', 'The recipient has no phone number');
      await opts.cap?.(recipient, message);
      const purpose = message.purpose === 'notice' ? 'notice' : 'reminder';
      return sms.send({ to: recipient.phone, text: message.shortText, purpose });
    },
  };
}
