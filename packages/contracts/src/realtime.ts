import { z } from '@petpro/kit';

/**
 * Who holds a WebSocket, as the gateway tells the booking service (a redeemed ticket, or a token it
 * verified): sent only with the gateway's service credential, in a header the gateway strips from clients.
 */
export const RealtimeIdentity = z.object({
  userId: z.string().min(1).max(64),
  sessionId: z.string().min(1).max(128),
  roles: z.array(z.string().max(64)).max(64),
  permissions: z.array(z.string().max(128)).max(512),
  /** When the access token behind it expires (ms since the epoch): the socket closes then. */
  expiresAt: z.number().int().positive(),
});
export type RealtimeIdentityView = z.output<typeof RealtimeIdentity>;

/** The gateway redeems a ticket with the booking service (`POST /internal/realtime/tickets/redeem`). */
export const RedeemTicketBody = z.object({ ticket: z.string().min(16).max(128) });

/** The header that carries the identity (base64url of its JSON), from the gateway only. */
export const REALTIME_IDENTITY_HEADER = 'x-petpro-realtime-identity';
