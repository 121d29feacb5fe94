import { AppError, type z } from '@petpro/kit';

/** Parses another service's answer with its contract; a mismatch is that service's fault (502), not the caller's. */
export function parseContract<T extends z.ZodType>(schema: T, body: unknown, service: string): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success)
    throw new AppError(
      502,
      'upstream_invalid_response',
      `The ${service} service sent an answer this service cannot read`,
    );
  return r.data;
}
