import { optionalAuth, requireAuth, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { StaffService } from './staff.service.ts';
import type { InvitationsService } from './invitations.service.ts';
import {
  CreateStaffBody,
  InvitationBody,
  InvitationSchema,
  InvitationTokenParams,
  PatchStaffBody,
  StaffListSchema,
  StaffParams,
  StaffSchema,
} from './staff.schemas.ts';
import { toInvitationView, toStaffView } from './staff.view.ts';
import { IdParams } from '../shared/schemas.ts';

const tags = ['clinic staff'];

/** A clinic's staff and the invitations that link their accounts. */
export function staffRoutes(
  api: ApiRouter,
  deps: { staff: StaffService; invitations: InvitationsService; verifier: AccessTokenVerifier },
) {
  const auth = requireAuth(deps.verifier);
  const maybeAuth = optionalAuth(deps.verifier);
  const { staff, invitations } = deps;
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/clinics/{id}/staff',
      summary: "A clinic's staff (whole list; linked user ids for the owner and admins only)",
      tags,
      params: IdParams,
      responses: { 200: { description: 'Staff', schema: StaffListSchema }, 404: { description: 'No such clinic' } },
    },
    maybeAuth,
    async (req, reply) => {
      const { items, showUser } = await staff.listVisible(req.principal, req.valid.params.id);
      return reply(200, { items: items.map((s) => toStaffView(s, showUser)), nextCursor: null });
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/clinics/{id}/staff',
      summary: 'Add a staff member (owner or admin); an account is linked by invitation, not by userId',
      tags,
      auth: true,
      params: IdParams,
      body: CreateStaffBody,
      responses: {
        201: { description: 'The staff member', schema: StaffSchema },
        400: { description: 'invitation_required (a userId was sent)' },
        403: { description: 'Not the owner' },
        404: { description: 'No such clinic' },
      },
    },
    auth,
    async (req, reply) =>
      reply(201, toStaffView(await staff.create(req.principal!, req.valid.params.id, req.valid.body), true)),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/clinics/{id}/staff/{staffId}',
      summary: 'One staff member',
      tags,
      params: StaffParams,
      responses: {
        200: { description: 'The staff member', schema: StaffSchema },
        404: { description: 'No such staff member' },
      },
    },
    maybeAuth,
    async (req, reply) => {
      const found = await staff.findVisible(req.principal, req.valid.params.id, req.valid.params.staffId);
      return reply(200, toStaffView(found.staff, found.showUser));
    },
  );
  api.endpoint(
    {
      method: 'patch',
      path: '/api/v1/clinics/{id}/staff/{staffId}',
      summary: 'Change a staff member (owner or admin); userId null unlinks the account',
      tags,
      auth: true,
      params: StaffParams,
      body: PatchStaffBody,
      responses: {
        200: { description: 'The staff member', schema: StaffSchema },
        403: { description: 'Not the owner' },
        404: { description: 'No such staff member' },
      },
    },
    auth,
    async (req, reply) => {
      const { id, staffId } = req.valid.params;
      return reply(200, toStaffView(await staff.update(req.principal!, id, staffId, req.valid.body), true));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/clinics/{id}/staff/{staffId}',
      summary: 'Remove a staff member (owner or admin)',
      tags,
      auth: true,
      params: StaffParams,
      responses: {
        204: { description: 'Removed' },
        403: { description: 'Not the owner' },
        404: { description: 'No such staff member' },
      },
    },
    auth,
    async (req, reply) => {
      await staff.remove(req.principal!, req.valid.params.id, req.valid.params.staffId);
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/clinics/{id}/staff/{staffId}/invitation',
      summary: 'Mail an invitation to link the account of that address to this staff member (owner or admin)',
      tags,
      auth: true,
      params: StaffParams,
      body: InvitationBody,
      responses: {
        202: {
          description: 'Mailed (the same answer whether or not the address has an account)',
          schema: InvitationSchema,
        },
        403: { description: 'Not the owner' },
        404: { description: 'No such staff member' },
        409: { description: 'staff_already_linked' },
        429: { description: 'mail_limit_reached' },
      },
    },
    auth,
    async (req, reply) => {
      const { id, staffId } = req.valid.params;
      return reply(202, toInvitationView(await invitations.invite(req.principal!, id, staffId, req.valid.body)));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/staff-invitations/{token}/accept',
      summary: 'Accept a staff invitation as the logged-in user (whose verified email must be the invited one)',
      tags,
      auth: true,
      params: InvitationTokenParams,
      responses: {
        200: { description: 'The staff member now linked to the caller', schema: StaffSchema },
        403: { description: 'invitation_email_mismatch' },
        404: { description: 'invitation_not_found (used, replaced, expired or unknown)' },
        409: { description: 'staff_already_linked, user_already_staff' },
        503: { description: 'The auth service is unavailable (nothing saved)' },
      },
    },
    auth,
    async (req, reply) =>
      reply(200, toStaffView(await invitations.accept(req.principal!, req.valid.params.token), true)),
  );
}
