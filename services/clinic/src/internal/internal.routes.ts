import express, { type Router } from 'express';
import type { InternalClinicAnswer, InternalServiceAnswer } from '@petpro/contracts';
import { NotFoundError, ValidationError, z, zodFieldErrors, type ServiceCredentials } from '@petpro/kit';
import type { ClinicsRepository } from '../clinics/clinics.repository.ts';
import type { StaffRepository } from '../staff/staff.repository.ts';
import type { CatalogueRepository } from '../catalogue/catalogue.repository.ts';

const parse = <T extends z.ZodType>(schema: T, value: unknown): z.output<T> => {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(zodFieldErrors(r.error));
  return r.data;
};

/**
 * Endpoints for other PetPro services only (service credential); never routed by the gateway.
 * Their answers are the contracts the booking service parses (@petpro/contracts).
 */
export function internalRoutes(deps: {
  credentials: ServiceCredentials;
  clinics: ClinicsRepository;
  staff: StaffRepository;
  catalogue: CatalogueRepository;
}): Router {
  const router = express.Router();
  // Only the booking service reads clinics this way (availability, bookings).
  router.use(deps.credentials.require('booking'));

  // A clinic with what availability needs: zone, opening hours and staff (published or not: the owner's own calendar works before publishing).
  router.get('/clinics/:id', async (req, res) => {
    const { id } = parse(z.object({ id: z.uuid() }), req.params);
    const clinic = await deps.clinics.findById(id);
    if (!clinic) throw new NotFoundError('clinic_not_found', 'No such clinic');
    const staff = await deps.staff.listByClinic(id);
    res.json({
      id: clinic.id,
      ownerUserId: clinic.ownerUserId,
      name: clinic.name,
      timeZone: clinic.timeZone,
      published: clinic.published,
      address: clinic.address,
      city: clinic.city,
      openingHours: { weekly: clinic.openingHours.weekly, closures: clinic.openingHours.closures },
      staff: staff.map((s) => ({ id: s.id, name: s.name, role: s.role, serviceIds: s.serviceIds, userId: s.userId })),
    } satisfies InternalClinicAnswer);
  });

  // One service with its timing and the staff qualified to perform it.
  router.get('/clinics/:id/services/:serviceId', async (req, res) => {
    const { id, serviceId } = parse(z.object({ id: z.uuid(), serviceId: z.uuid() }), req.params);
    if (!(await deps.clinics.findById(id))) throw new NotFoundError('clinic_not_found', 'No such clinic');
    const s = await deps.catalogue.findById(id, serviceId);
    if (!s) throw new NotFoundError('service_not_found', 'No such service');
    res.json({
      id: s.id,
      clinicId: s.clinicId,
      name: s.name,
      category: s.category,
      durationMinutes: s.durationMinutes,
      bufferMinutes: s.bufferMinutes,
      price: { amount: s.price.amount, currency: s.price.currency },
      active: s.active,
      qualifiedStaffIds: s.qualifiedStaffIds,
    } satisfies InternalServiceAnswer);
  });
  return router;
}
