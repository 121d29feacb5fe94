import { z } from '@petpro/kit';
import { text } from '../shared/schemas.ts';

export const STAFF_ROLES = ['vet', 'groomer', 'nurse', 'other'] as const;

const staffFields = {
  name: text(200),
  role: z.enum(STAFF_ROLES),
  serviceIds: z.array(z.uuid()).max(200),
  userId: z.uuid().nullable(),
};

export const CreateStaffBody = z
  .strictObject({
    ...staffFields,
    serviceIds: staffFields.serviceIds.default([]),
    userId: staffFields.userId.optional(),
  })
  .openapi('CreateClinicStaffRequest');
export const PatchStaffBody = z
  .strictObject({
    name: staffFields.name.optional(),
    role: staffFields.role.optional(),
    serviceIds: staffFields.serviceIds.optional(),
    userId: staffFields.userId.optional(),
  })
  .openapi('PatchClinicStaffRequest');

export const StaffSchema = z
  .object({
    id: z.uuid(),
    clinicId: z.uuid(),
    name: z.string(),
    role: z.enum(STAFF_ROLES),
    serviceIds: z.array(z.uuid()),
    userId: z.uuid().nullable().optional().openapi({ description: 'Shown to the owner and admins only' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ClinicStaff');
export const StaffListSchema = z
  .object({ items: z.array(StaffSchema), nextCursor: z.string().nullable() })
  .openapi('ClinicStaffList');
export const StaffParams = z.object({ id: z.uuid(), staffId: z.uuid() });
