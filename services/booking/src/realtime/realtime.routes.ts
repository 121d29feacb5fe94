import { problem, requireAuth, type AccessTokenVerifier, type ApiRouter, type ServiceCredentials } from '@petpro/kit';
import { RedeemTicketBody } from '@petpro/contracts';
import type { RealtimeService } from './realtime.service.ts';
import { RealtimeIdentity, TicketSchema } from './realtime.schemas.ts';

/** `POST /api/v1/realtime/ticket`: a browser's way to authenticate `GET /ws` (the protocol is in README, Real-time). */
export function realtimeRoutes(
  api: ApiRouter,
  deps: { verifier: AccessTokenVerifier; realtime: RealtimeService },
): void {
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/realtime/ticket',
      summary: 'A single-use ticket (30 s) to open the real-time WebSocket `GET /ws?ticket=…` from a browser',
      tags: ['realtime'],
      auth: true,
      responses: {
        200: {
          description:
            'The ticket. Open `GET /ws?ticket=<ticket>` within 30 s; see the README section Real-time for the protocol',
          schema: TicketSchema,
        },
        429: problem('`too_many_tickets`: 20 unused tickets already'),
      },
    },
    requireAuth(deps.verifier),
    async (req, reply) => {
      const t = await deps.realtime.issueTicket(req.principal!);
      return reply(200, {
        ticket: t.ticket,
        expiresIn: Math.max(1, Math.round((t.expiresAt.getTime() - Date.now()) / 1000)),
      });
    },
  );
}

/** `POST /internal/realtime/tickets/redeem`: the gateway takes a ticket before it lets an upgrade through. */
export function realtimeInternalRoutes(
  api: ApiRouter,
  deps: { credentials: ServiceCredentials; realtime: RealtimeService },
): void {
  api.endpoint(
    {
      method: 'post',
      path: '/internal/realtime/tickets/redeem',
      summary: 'Redeems a WebSocket ticket once (gateway only)',
      tags: ['internal'],
      body: RedeemTicketBody,
      responses: {
        200: { description: 'Whose ticket it was', schema: RealtimeIdentity },
        401: problem('`invalid_ticket`: unknown, used or expired'),
      },
    },
    deps.credentials.require('gateway'),
    async (req, reply) => reply(200, await deps.realtime.redeemTicket(req.valid.body.ticket)),
  );
}
