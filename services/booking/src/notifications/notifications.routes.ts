import {
  problem,
  requireAuth,
  z,
  type AccessTokenVerifier,
  type ApiRouter,
  type ServiceCredentials,
} from '@petpro/kit';
import type { NotificationsService } from './notifications.service.ts';
import { toNotificationView } from './notifications.view.ts';
import {
  ListNotificationsQuery,
  NotificationPage,
  NotificationParams,
  NotificationSchema,
  ReadAllResponse,
} from './notifications.schemas.ts';

const tags = ['notifications'];

/** The caller's in-app inbox; every query is scoped to the caller. */
export function notificationsRoutes(
  api: ApiRouter,
  deps: { notifications: NotificationsService; verifier: AccessTokenVerifier },
): void {
  const { notifications } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/notifications',
      summary: 'My notifications, newest first, with the unread count',
      tags,
      auth: true,
      query: ListNotificationsQuery,
      responses: {
        200: { description: 'A page of my inbox', schema: NotificationPage },
        400: problem('`invalid_cursor`; `validation_failed`'),
      },
    },
    auth,
    async (req, reply) => {
      const page = await notifications.listPage(req.principal!.userId, req.valid.query);
      return reply(200, {
        items: page.items.map(toNotificationView),
        nextCursor: page.nextCursor,
        unreadCount: page.unreadCount,
      });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/notifications/read-all',
      summary: 'Mark every notification of mine read',
      tags,
      auth: true,
      responses: { 200: { description: 'How many were unread', schema: ReadAllResponse } },
    },
    auth,
    async (req, reply) => reply(200, { updated: await notifications.markAllRead(req.principal!.userId) }),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/notifications/{id}/read',
      summary: 'Mark one of my notifications read',
      tags,
      auth: true,
      params: NotificationParams,
      responses: {
        200: { description: 'The notification, read', schema: NotificationSchema },
        404: problem('`notification_not_found`: no such notification of mine'),
      },
    },
    auth,
    async (req, reply) =>
      reply(200, toNotificationView(await notifications.markRead(req.principal!.userId, req.valid.params.id))),
  );
}

/** Operators' maintenance of the inbox, on the internal router (service credential `ops`). */
export function notificationsInternalRoutes(
  api: ApiRouter,
  deps: { notifications: NotificationsService; credentials: ServiceCredentials },
): void {
  api.endpoint(
    {
      method: 'post',
      path: '/internal/maintenance/purge-notifications',
      summary: 'Remove inbox entries older than BOOKING_INBOX_KEEP_DAYS (also runs hourly)',
      tags: ['internal'],
      responses: { 200: { description: 'How many were removed', schema: z.object({ purged: z.number().int() }) } },
    },
    deps.credentials.require('ops'),
    async (_req, reply) => reply(200, { purged: await deps.notifications.purgeExpired() }),
  );
}
