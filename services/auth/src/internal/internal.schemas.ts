import { z } from '@petpro/kit';

export const RevocationsQuery = z.object({ since: z.iso.datetime({ offset: true }), after: z.uuid().optional() });
export const UserParams = z.object({ id: z.uuid() });
export const UserByEmailQuery = z.object({ email: z.string().max(254) });
