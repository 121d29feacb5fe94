import {
  type ChannelSender,
  decodeCursor,
  NotFoundError,
  type NotificationMessage,
  type NotificationRecipient,
  toPage,
} from '@petpro/kit';
import type { BookingStore } from '../store.ts';
import type { NotificationRecord } from './notifications.repository.ts';
import type { ListNotificationsQuery } from './notifications.schemas.ts';
import { toNotificationView } from './notifications.view.ts';

const NOTIFICATION_CURSOR = { i: 'uuid' } as const;

/** The in-app inbox: what the in_app channel stores, read and marked by its owner only. */
export class NotificationsService {
  constructor(
    private readonly store: BookingStore,
    /** How long an entry stays in the inbox (BOOKING_INBOX_KEEP_DAYS). */
    private readonly keepDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Removes entries older than the keep period (hourly, and on an operator's call); returns how many. */
  purgeExpired(): Promise<number> {
    return this.store.repos.notifications.purgeOlderThan(new Date(this.now() - this.keepDays * 86_400_000));
  }

  async listPage(userId: string, q: ListNotificationsQuery) {
    const after = q.cursor ? decodeCursor(q.cursor, NOTIFICATION_CURSOR) : undefined;
    const [rows, unreadCount] = await Promise.all([
      this.store.repos.notifications.listPage(userId, { unread: q.unread }, after?.i, q.limit),
      this.store.repos.notifications.countUnread(userId),
    ]);
    return { ...toPage(rows, q.limit, (n) => ({ i: n.id })), unreadCount };
  }

  /** 404 for an id that is not the caller's: nobody learns whether another user's entry exists. */
  async markRead(userId: string, id: string): Promise<NotificationRecord> {
    const n = await this.store.repos.notifications.markRead(userId, id);
    if (!n) throw new NotFoundError('notification_not_found', 'No such notification');
    return n;
  }

  markAllRead(userId: string): Promise<number> {
    return this.store.repos.notifications.markAllRead(userId);
  }

  /**
   * Stores an entry and, in the same transaction, a `reminder` outbox event for the user alone, so an
   * open socket shows it at once and a closed one finds it on resume. A retry with the same
   * idempotency key returns the entry already stored and appends nothing.
   */
  deliver(recipient: NotificationRecipient, message: NotificationMessage, idempotencyKey: string) {
    return this.store.transaction(async (repos) => {
      const { record, created } = await repos.notifications.insertOnce({
        userId: recipient.userId,
        purpose: message.purpose,
        title: message.subject,
        body: message.shortText,
        link: message.link ?? null,
        data: message.data ?? {},
        idempotencyKey,
      });
      if (created)
        await repos.outbox.append([
          {
            type: 'reminder',
            aggregateId: record.id,
            clinicId: null,
            ownerId: recipient.userId,
            payload: toNotificationView(record),
          },
        ]);
      return record;
    });
  }
}

/** The `in_app` channel: the inbox entry (and its socket event) is the delivery. */
export function inAppChannel(notifications: NotificationsService): ChannelSender {
  return {
    channel: 'in_app',
    async send(recipient, message, { idempotencyKey }) {
      const record = await notifications.deliver(recipient, message, idempotencyKey);
      return { id: record.id };
    },
  };
}
