/**
 * The clinic service's internal API as the booking service needs it: a clinic with its opening hours
 * and staff, and one service of its catalogue. Answers are checked against the contract, so a drift
 * shows up as a clear 502 instead of a wrong slot.
 */
import { AppError, NotFoundError, UpstreamHttpError, isValidTimeZone, z, type ServiceClient } from '@petpro/kit';

const hhmm = z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$|^24:00$/);
const range = z.object({ start: hhmm, end: hhmm });

const ClinicContract = z.object({
  id: z.string(),
  ownerUserId: z.string(),
  name: z.string(),
  timeZone: z.string().refine(isValidTimeZone, 'unknown time zone'),
  published: z.boolean(),
  openingHours: z.object({
    weekly: z.array(z.object({ weekday: z.number().int().min(1).max(7), ranges: z.array(range) })),
    closures: z
      .array(
        z.object({
          date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
          reason: z
            .string()
            .nullish()
            .transform((v) => v ?? undefined),
          ranges: z.array(range).nullish(),
        }),
      )
      .default([]),
  }),
  staff: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      role: z.string(),
      serviceIds: z.array(z.string()).default([]),
      userId: z.string().nullish(),
    }),
  ),
});

const ServiceContract = z.object({
  id: z.string(),
  clinicId: z.string(),
  name: z.string(),
  category: z.string().nullish(),
  durationMinutes: z.number().int().positive(),
  bufferMinutes: z.number().int().min(0).nullish(),
  price: z.object({ amount: z.number().int().min(0), currency: z.string() }),
  active: z.boolean(),
  qualifiedStaffIds: z.array(z.string()),
});

export type ClinicInfo = z.output<typeof ClinicContract>;
export type StaffInfo = ClinicInfo['staff'][number];
export type ServiceInfo = z.output<typeof ServiceContract>;

interface CacheEntry<T> {
  at: number;
  value: Promise<T>;
}

export interface FetchOptions {
  /** Skip the cache: used for every decision that creates or changes a booking or a schedule. */
  fresh?: boolean;
}

/** Reads clinics and services from the clinic service, with a short cache for reads. */
export class ClinicDirectory {
  private readonly clinics = new Map<string, CacheEntry<ClinicInfo>>();
  private readonly services = new Map<string, CacheEntry<ServiceInfo>>();

  constructor(
    private readonly client: ServiceClient,
    private readonly ttlMs: number,
  ) {}

  /** The clinic, or 404 `clinic_not_found`. */
  clinic(clinicId: string, opts: FetchOptions = {}): Promise<ClinicInfo> {
    return this.cached(this.clinics, clinicId, opts, async () => {
      const body = await this.get(
        `/internal/clinics/${encodeURIComponent(clinicId)}`,
        () => new NotFoundError('clinic_not_found', 'No such clinic'),
      );
      return parseContract(ClinicContract, body, 'clinic');
    });
  }

  /** One service of the clinic's catalogue, or 404 `service_not_found`. */
  service(clinicId: string, serviceId: string, opts: FetchOptions = {}): Promise<ServiceInfo> {
    return this.cached(this.services, `${clinicId}/${serviceId}`, opts, async () => {
      const body = await this.get(
        `/internal/clinics/${encodeURIComponent(clinicId)}/services/${encodeURIComponent(serviceId)}`,
        () => new NotFoundError('service_not_found', 'No such service at this clinic'),
      );
      const service = parseContract(ServiceContract, body, 'clinic');
      // A service of another clinic must never be bookable here, whatever the upstream answered.
      if (service.clinicId !== clinicId) throw new NotFoundError('service_not_found', 'No such service at this clinic');
      return service;
    });
  }

  /** Forgets what is cached for a clinic (after a change this service learns about). */
  forget(clinicId: string): void {
    this.clinics.delete(clinicId);
    for (const key of this.services.keys()) if (key.startsWith(`${clinicId}/`)) this.services.delete(key);
  }

  private cached<T>(
    map: Map<string, CacheEntry<T>>,
    key: string,
    opts: FetchOptions,
    load: () => Promise<T>,
  ): Promise<T> {
    const hit = map.get(key);
    if (!opts.fresh && hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    // Concurrent readers share one request; a failure is never cached.
    const value = load();
    if (this.ttlMs > 0) {
      const entry = { at: Date.now(), value };
      map.set(key, entry);
      value.catch(() => {
        if (map.get(key) === entry) map.delete(key);
      });
      if (map.size > 5_000) map.delete(map.keys().next().value!);
    }
    return value;
  }

  private async get(path: string, notFound: () => AppError): Promise<unknown> {
    try {
      return await this.client.json<unknown>('clinic', { path });
    } catch (err) {
      if (err instanceof UpstreamHttpError && (err.status === 404 || err.status === 400)) throw notFound();
      if (err instanceof UpstreamHttpError)
        throw new AppError(502, 'upstream_error', `The clinic service answered ${err.status}`);
      throw err;
    }
  }
}

/** Parses an upstream answer; a mismatch is the upstream's fault (502), not the caller's. */
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
