/**
 * The clinic service's internal API as the booking service needs it: a clinic with its opening hours
 * and staff, and one service of its catalogue. Answers are parsed with the shared contract
 * (@petpro/contracts), so a drift shows up as a clear 502 instead of a wrong slot.
 */
import { AppError, NotFoundError, SharedCalls, UpstreamHttpError, type ServiceClient } from '@petpro/kit';
import {
  InternalBookable,
  InternalClinic,
  InternalService,
  parseContract,
  type InternalClinicView,
  type InternalServiceView,
} from '@petpro/contracts';

export type ClinicInfo = InternalClinicView;
export type StaffInfo = ClinicInfo['staff'][number];
export type ServiceInfo = InternalServiceView;

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
  private readonly bookables = new SharedCalls<{ clinic: ClinicInfo; service: ServiceInfo }>();
  /** Counts `forget` per clinic: an answer read before a change must not be cached after it. */
  private readonly forgotten = new Map<string, number>();

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
      return parseContract(InternalClinic, body, 'clinic');
    });
  }

  /** One service of the clinic's catalogue, or 404 `service_not_found`. */
  service(clinicId: string, serviceId: string, opts: FetchOptions = {}): Promise<ServiceInfo> {
    return this.cached(this.services, `${clinicId}/${serviceId}`, opts, async () => {
      const body = await this.get(
        `/internal/clinics/${encodeURIComponent(clinicId)}/services/${encodeURIComponent(serviceId)}`,
        () => new NotFoundError('service_not_found', 'No such service at this clinic'),
      );
      const service = parseContract(InternalService, body, 'clinic');
      // A service of another clinic must never be bookable here, whatever the upstream answered.
      if (service.clinicId !== clinicId) throw new NotFoundError('service_not_found', 'No such service at this clinic');
      return service;
    });
  }

  /**
   * The clinic and one of its services read together, fresh (one call: every booking decision needs
   * both; requests that come while a read is in flight share it, so a crowd for one slot reads the
   * clinic a few times, not once per request); 404 `clinic_not_found` or `service_not_found`. The
   * answer also refreshes the cache.
   */
  bookable(clinicId: string, serviceId: string): Promise<{ clinic: ClinicInfo; service: ServiceInfo }> {
    return this.bookables.run(`${clinicId}/${serviceId}`, () => this.readBookable(clinicId, serviceId));
  }

  private async readBookable(clinicId: string, serviceId: string) {
    const generation = this.forgotten.get(clinicId);
    const path = `/internal/clinics/${encodeURIComponent(clinicId)}/services/${encodeURIComponent(serviceId)}/bookable`;
    const body = await this.get(path, (err) => {
      if (err.body?.code === 'service_not_found')
        return new NotFoundError('service_not_found', 'No such service at this clinic');
      if (err.body?.code === 'clinic_not_found' || err.status === 400)
        return new NotFoundError('clinic_not_found', 'No such clinic');
      // Another 404 is a clinic service without this endpoint (an older release in a rolling deploy).
      return new AppError(502, 'upstream_error', `The clinic service answered ${err.status}`);
    });
    const { clinic, service } = parseContract(InternalBookable, body, 'clinic');
    if (service.clinicId !== clinicId) throw new NotFoundError('service_not_found', 'No such service at this clinic');
    if (this.forgotten.get(clinicId) === generation) {
      this.remember(this.clinics, clinicId, Promise.resolve(clinic));
      this.remember(this.services, `${clinicId}/${serviceId}`, Promise.resolve(service));
    }
    return { clinic, service };
  }

  /** Forgets what is cached for a clinic (after a change this service learns about). */
  forget(clinicId: string): void {
    this.forgotten.set(clinicId, (this.forgotten.get(clinicId) ?? 0) + 1);
    if (this.forgotten.size > 50_000) this.forgotten.delete(this.forgotten.keys().next().value!);
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
    this.remember(map, key, value);
    return value;
  }

  private remember<T>(map: Map<string, CacheEntry<T>>, key: string, value: Promise<T>): void {
    if (this.ttlMs <= 0) return;
    const entry = { at: Date.now(), value };
    map.set(key, entry);
    value.catch(() => {
      if (map.get(key) === entry) map.delete(key);
    });
    if (map.size > 5_000) map.delete(map.keys().next().value!);
  }

  private async get(path: string, notFound: (err: UpstreamHttpError) => AppError): Promise<unknown> {
    try {
      return await this.client.json<unknown>('clinic', { path });
    } catch (err) {
      if (err instanceof UpstreamHttpError && (err.status === 404 || err.status === 400)) throw notFound(err);
      if (err instanceof UpstreamHttpError)
        throw new AppError(502, 'upstream_error', `The clinic service answered ${err.status}`);
      throw err;
    }
  }
}
