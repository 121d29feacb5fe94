import { pageOf, z } from '@petpro/kit';
import { emailField, text } from '../shared/schemas.ts';

export const STAFF_ROLES = ['vet', 'groomer', 'nurse', 'other'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

const staffFields = {
  name: text(200),
  role: z.enum(STAFF_ROLES),
  serviceIds: z.array(z.uuid()).max(200),
  // Accounts are linked only by invitation (POST .../invitation, then the invitee accepts): a user id
  // here is refused with 400 invitation_required; null unlinks the account.
  userId: z.uuid().nullable().openapi({
    description: 'Only null (unlink the account) is accepted; accounts are linked by invitation',
  }),
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
export type StaffView = z.output<typeof StaffSchema>;
export const StaffListSchema = pageOf(StaffSchema).openapi('ClinicStaffList');
export const StaffParams = z.object({ id: z.uuid(), staffId: z.uuid() });

export const InvitationBody = z
  .strictObject({
    email: emailField,
    language: z.enum(['id', 'en']).default('id').openapi({ description: 'Language of the invitation mail' }),
  })
  .openapi('StaffInvitationRequest');
export const InvitationSchema = z
  .object({ staffId: z.uuid(), email: z.string(), expiresAt: z.string() })
  .openapi('StaffInvitation');
export type InvitationView = z.output<typeof InvitationSchema>;
export const InvitationTokenParams = z.object({ token: z.string().min(16).max(128) });
