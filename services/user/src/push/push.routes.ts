import type { RequestHandler } from 'express';
import {
  PayloadTooLargeError,
  problem,
  requireAuth,
  requirePermission,
  type AccessTokenVerifier,
  type ApiRouter,
  type ServiceCredentials,
} from '@petpro/kit';
import { InternalPushSubscriptions } from '@petpro/contracts';
import type { PushService } from './push.service.ts';
import { toInternalPushSubscriptions, toPushSubscriptionView } from './push.view.ts';
import {
  InternalSubscriptionParams,
  InternalUserParams,
  MAX_SUBSCRIPTION_BYTES,
  PushSubscriptionBody,
  PushSubscriptionParams,
  PushSubscriptionSchema,
  VapidPublicKeySchema,
} from './push.schemas.ts';

const tags = ['push'];

/** A subscription is a few hundred bytes: anything much larger is refused before it is looked at. */
const smallBody: RequestHandler = (req, _res, next) => {
  if (Number(req.headers['content-length'] ?? 0) > MAX_SUBSCRIPTION_BYTES)
    throw new PayloadTooLargeError(`A push subscription is at most ${MAX_SUBSCRIPTION_BYTES} bytes`);
  next();
};

/** Web Push: the server's VAPID key and the caller's devices. */
export function pushRoutes(api: ApiRouter, deps: { push: PushService; verifier: AccessTokenVerifier }): void {
  const { push } = deps;
  const auth = requireAuth(deps.verifier);
  const write = [auth, requirePermission('profile:write:own')];

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/push/vapid-public-key',
      summary: 'The application server key browsers subscribe with',
      tags,
      responses: {
        200: { description: 'The VAPID public key', schema: VapidPublicKeySchema },
        503: problem('`push_not_configured`: this server has no VAPID keys'),
      },
    },
    async (_req, reply) => reply(200, { publicKey: push.vapidPublicKey() }),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/users/me/push-subscriptions',
      summary: 'Register this browser for Web Push (the PushSubscription JSON as the browser gives it)',
      tags,
      auth: true,
      body: PushSubscriptionBody,
      responses: {
        201: { description: 'A new device', schema: PushSubscriptionSchema },
        200: { description: 'This endpoint was already mine: its keys are refreshed', schema: PushSubscriptionSchema },
        400: problem('`validation_failed`: not https, a private or loopback host, or malformed keys'),
        413: problem('The body is larger than a subscription can be'),
        503: problem('`push_not_configured`'),
      },
    },
    smallBody,
    ...write,
    async (req, reply) => {
      const { subscription, created } = await push.subscribe(req.principal!.userId, req.valid.body);
      return reply(created ? 201 : 200, toPushSubscriptionView(subscription));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/users/me/push-subscriptions/{id}',
      summary: 'Stop Web Push to one of my devices',
      tags,
      auth: true,
      params: PushSubscriptionParams,
      responses: { 204: { description: 'Removed' }, 404: problem('No such device of mine') },
    },
    ...write,
    async (req, reply) => {
      await push.unsubscribe(req.principal!.userId, req.valid.params.id);
      return reply(204);
    },
  );
}

/** For the booking service's push channel only: a user's devices with their keys, and forgetting an expired one. */
export function pushInternalRoutes(api: ApiRouter, deps: { push: PushService; credentials: ServiceCredentials }): void {
  const { push } = deps;
  const only = deps.credentials.require.bind(deps.credentials);
  const tags = ['internal'];

  api.endpoint(
    {
      method: 'get',
      path: '/internal/users/{userId}/push-subscriptions',
      summary: 'A user’s Web Push devices with their keys',
      tags,
      params: InternalUserParams,
      responses: { 200: { description: 'Every device (none: an empty list)', schema: InternalPushSubscriptions } },
    },
    only('booking'),
    async (req, reply) => reply(200, toInternalPushSubscriptions(await push.listForUser(req.valid.params.userId))),
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/internal/users/{userId}/push-subscriptions/{id}',
      summary: 'Forget a device its push service answered 404/410 for',
      tags,
      params: InternalSubscriptionParams,
      responses: { 204: { description: 'Gone (whether or not it was still there)' } },
    },
    only('booking'),
    async (req, reply) => {
      await push.forget(req.valid.params.userId, req.valid.params.id);
      return reply(204);
    },
  );
}
