import { z } from '@petpro/kit';

/** The published public keys (RFC 7517 JWK set). */
export const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
export type JwksView = z.output<typeof JwksSchema>;

/** Verifiers may cache the key set for a minute: a new key is published well before it signs. */
export const JwksHeaders = { 'Cache-Control': z.literal('public, max-age=60') };
