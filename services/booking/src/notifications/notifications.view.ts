import type { NotificationRecord } from './notifications.repository.ts';
import type { NotificationView } from './notifications.schemas.ts';

export function toNotificationView(n: NotificationRecord): NotificationView {
  return {
    id: n.id,
    purpose: n.purpose,
    title: n.title,
    body: n.body,
    link: n.link,
    data: n.data,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
  };
}
