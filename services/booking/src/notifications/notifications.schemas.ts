import { pageOf, z } from '@petpro/kit';

export const NotificationSchema = z
  .object({
    id: z.uuid(),
    purpose: z.string().openapi({ example: 'appointment_reminder' }),
    title: z.string(),
    body: z.string(),
    link: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).openapi({ description: 'Facts for the client: bookingId, startsAt…' }),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('Notification');
export type NotificationView = z.output<typeof NotificationSchema>;

export const NotificationPage = pageOf(NotificationSchema)
  .extend({ unreadCount: z.number().int().openapi({ description: 'Unread entries in the whole inbox' }) })
  .openapi('NotificationPage');

export const ListNotificationsQuery = z.strictObject({
  unread: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .openapi({ description: 'true: unread entries only' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type ListNotificationsQuery = z.output<typeof ListNotificationsQuery>;

export const NotificationParams = z.object({ id: z.uuid({ error: 'must be a UUID' }) });

export const ReadAllResponse = z
  .object({ updated: z.number().int().openapi({ description: 'Entries marked read by this call' }) })
  .openapi('NotificationsReadAll');
