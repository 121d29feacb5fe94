import { v7 as uuidv7 } from 'uuid';
import { NotFoundError, type Principal, decodeCursor, toPage } from '@petpro/kit';
import type { ServiceFields, ServiceRecord } from './catalogue.repository.ts';
import type { ClinicsService } from '../clinics/clinics.service.ts';
import type { ClinicStore } from '../store.ts';

/** A clinic's service catalogue: anyone reads a published clinic's active services; the owner (or an admin) writes. */
export class CatalogueService {
  constructor(
    private readonly deps: {
      store: ClinicStore;
      clinicsService: ClinicsService;
    },
  ) {}

  async listPage(
    p: Principal | undefined,
    clinicId: string,
    q: { limit: number; cursor?: string; category?: string },
  ): Promise<{ items: ServiceRecord[]; nextCursor: string | null }> {
    const clinic = await this.deps.clinicsService.readable(p, clinicId);
    const after = q.cursor ? decodeCursor(q.cursor, { name: 'string', id: 'uuid' }) : undefined;
    // Managers also see inactive services, so that they can switch them back on.
    const rows = await this.deps.store.repos.catalogue.listPage(clinicId, {
      activeOnly: !this.deps.clinicsService.isManager(p, clinic),
      category: q.category,
      after,
      limit: q.limit,
    });
    return toPage(rows, q.limit, (last) => ({ name: last.name, id: last.id }));
  }

  /** A live service of a clinic, published or not, active or not (for other services); 404 when either is missing. */
  async findInClinic(clinicId: string, serviceId: string): Promise<ServiceRecord> {
    await this.deps.clinicsService.findById(clinicId);
    return this.findOfClinic(clinicId, serviceId);
  }

  /** The service, scoped by its clinic in the query (a caller that reads the clinic itself checks it exists). */
  async findOfClinic(clinicId: string, serviceId: string): Promise<ServiceRecord> {
    const s = await this.deps.store.repos.catalogue.findById(clinicId, serviceId);
    if (!s) throw serviceNotFound();
    return s;
  }

  async findById(p: Principal | undefined, clinicId: string, serviceId: string): Promise<ServiceRecord> {
    const clinic = await this.deps.clinicsService.readable(p, clinicId);
    const s = await this.deps.store.repos.catalogue.findById(clinicId, serviceId);
    if (!s || (!s.active && !this.deps.clinicsService.isManager(p, clinic))) throw serviceNotFound();
    return s;
  }

  async create(p: Principal, clinicId: string, f: ServiceFields): Promise<ServiceRecord> {
    await this.deps.clinicsService.writable(p, clinicId, 'services');
    const id = uuidv7();
    await this.deps.store.transaction(async (repos) => {
      await repos.catalogue.insert(clinicId, id, f);
      await repos.clinics.refreshDerived(clinicId);
      await repos.events.clinicChanged('clinic.service.changed', clinicId, { serviceIds: [id] });
    });
    return (await this.deps.store.repos.catalogue.findById(clinicId, id))!;
  }

  async update(
    p: Principal,
    clinicId: string,
    serviceId: string,
    patch: Partial<ServiceFields>,
  ): Promise<ServiceRecord> {
    await this.deps.clinicsService.writable(p, clinicId, 'services');
    await this.deps.store.transaction(async (repos) => {
      if (!(await repos.catalogue.update(clinicId, serviceId, patch))) throw serviceNotFound();
      await repos.clinics.refreshDerived(clinicId);
      await repos.events.clinicChanged('clinic.service.changed', clinicId, { serviceIds: [serviceId] });
    });
    return (await this.deps.store.repos.catalogue.findById(clinicId, serviceId))!;
  }

  async remove(p: Principal, clinicId: string, serviceId: string): Promise<void> {
    await this.deps.clinicsService.writable(p, clinicId, 'services');
    // Thrown inside the transaction: a service of another clinic is a 404 with nothing written.
    await this.deps.store.transaction(async (repos) => {
      if (!(await repos.catalogue.softDelete(clinicId, serviceId))) throw serviceNotFound();
      await repos.clinics.refreshDerived(clinicId);
      await repos.events.clinicChanged('clinic.service.changed', clinicId, { serviceIds: [serviceId] });
    });
  }
}

const serviceNotFound = () => new NotFoundError('service_not_found', 'No such service');
