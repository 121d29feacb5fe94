import { v7 as uuidv7 } from 'uuid';
import { NotFoundError, withTransaction, type Principal, decodeCursor, encodeCursor } from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';
import { clinicChanged } from '../events/availability-events.ts';
import type { CatalogueRepository, ServiceFields, ServiceRecord } from './catalogue.repository.ts';
import type { ClinicsRepository } from '../clinics/clinics.repository.ts';
import type { ClinicsService } from '../clinics/clinics.service.ts';

export interface ServiceDto extends Omit<ServiceRecord, 'createdAt' | 'updatedAt'> {
  createdAt: string;
  updatedAt: string;
}

/** The response shape of a catalogue entry. */
export function toServiceDto(s: ServiceRecord): ServiceDto {
  return {
    ...s,
    price: { ...s.price },
    species: [...s.species],
    qualifiedStaffIds: [...s.qualifiedStaffIds],
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** A clinic's service catalogue: anyone reads a published clinic's active services; the owner (or an admin) writes. */
export class CatalogueService {
  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      catalogue: CatalogueRepository;
      clinics: ClinicsRepository;
      clinicsService: ClinicsService;
    },
  ) {}

  async list(
    p: Principal | undefined,
    clinicId: string,
    q: { limit: number; cursor?: string; category?: string },
  ): Promise<{ items: ServiceDto[]; nextCursor: string | null }> {
    const clinic = await this.deps.clinicsService.readable(p, clinicId);
    const after = q.cursor ? decodeCursor(q.cursor, { name: 'string', id: 'uuid' }) : undefined;
    // Managers also see inactive services, so that they can switch them back on.
    const rows = await this.deps.catalogue.list(clinicId, {
      activeOnly: !this.deps.clinicsService.isManager(p, clinic),
      category: q.category,
      limit: q.limit + 1,
      after,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toServiceDto),
      nextCursor: rows.length > q.limit && last ? encodeCursor({ name: last.name, id: last.id }) : null,
    };
  }

  async get(p: Principal | undefined, clinicId: string, serviceId: string): Promise<ServiceDto> {
    const clinic = await this.deps.clinicsService.readable(p, clinicId);
    const s = await this.deps.catalogue.findById(clinicId, serviceId);
    if (!s || (!s.active && !this.deps.clinicsService.isManager(p, clinic))) throw serviceNotFound();
    return toServiceDto(s);
  }

  async create(p: Principal, clinicId: string, f: ServiceFields): Promise<ServiceDto> {
    await this.deps.clinicsService.writable(p, clinicId, 'services');
    const id = uuidv7();
    await withTransaction(this.deps.db, async (trx) => {
      await this.deps.catalogue.insert(clinicId, id, f, trx);
      await this.deps.clinics.refreshDerived(clinicId, trx);
      await clinicChanged(trx, 'clinic.service.changed', clinicId, { serviceIds: [id] });
    });
    return toServiceDto((await this.deps.catalogue.findById(clinicId, id))!);
  }

  async update(p: Principal, clinicId: string, serviceId: string, patch: Partial<ServiceFields>): Promise<ServiceDto> {
    await this.deps.clinicsService.writable(p, clinicId, 'services');
    await withTransaction(this.deps.db, async (trx) => {
      if (!(await this.deps.catalogue.update(clinicId, serviceId, patch, trx))) throw serviceNotFound();
      await this.deps.clinics.refreshDerived(clinicId, trx);
      await clinicChanged(trx, 'clinic.service.changed', clinicId, { serviceIds: [serviceId] });
    });
    return toServiceDto((await this.deps.catalogue.findById(clinicId, serviceId))!);
  }

  async remove(p: Principal, clinicId: string, serviceId: string): Promise<void> {
    await this.deps.clinicsService.writable(p, clinicId, 'services');
    // Thrown inside the transaction: a service of another clinic is a 404 with nothing written.
    await withTransaction(this.deps.db, async (trx) => {
      if (!(await this.deps.catalogue.softDelete(clinicId, serviceId, trx))) throw serviceNotFound();
      await this.deps.clinics.refreshDerived(clinicId, trx);
      await clinicChanged(trx, 'clinic.service.changed', clinicId, { serviceIds: [serviceId] });
    });
  }
}

const serviceNotFound = () => new NotFoundError('service_not_found', 'No such service');
