import { z } from '@petpro/kit';
import { RealtimeIdentity } from '@petpro/contracts';

export const TicketSchema = z
  .object({
    ticket: z.string().openapi({ description: 'Open `GET /ws?ticket=<ticket>` with it within 30 s; it works once' }),
    expiresIn: z.number().int().openapi({ description: 'Seconds it stays valid (30)' }),
  })
  .openapi('RealtimeTicket');
export type TicketView = z.output<typeof TicketSchema>;

export { RealtimeIdentity };

const clinicId = z.uuid();

/** What a client may send on the socket (JSON text frames). */
export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), topic: z.enum(['clinic', 'availability']), clinicId }),
  z.object({ type: z.literal('unsubscribe'), topic: z.enum(['clinic', 'availability']), clinicId }),
  z.object({ type: z.literal('resume'), after: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }),
  z.object({ type: z.literal('ping') }),
]);
export type ClientMessage = z.output<typeof ClientMessage>;
