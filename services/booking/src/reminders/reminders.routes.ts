import { problem, requireAuth, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { RemindersService } from './reminders.service.ts';
import { BookingParams } from '../bookings/bookings.schemas.ts';
import { AdminRemindersQuery, BookingRemindersSchema, PutRemindersBody, ReminderJobPage } from './reminders.schemas.ts';
import { toBookingRemindersView, toReminderJobView } from './reminders.view.ts';

const tags = ['reminders'];
const hidden = problem('No such booking, or not yours');

/** The owner's reminders of a booking, and the admin view of every reminder job. */
export function remindersRoutes(api: ApiRouter, deps: { reminders: RemindersService; verifier: AccessTokenVerifier }) {
  const { reminders } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/bookings/{id}/reminders',
      summary: 'The reminders of my booking',
      tags,
      auth: true,
      params: BookingParams,
      responses: {
        200: { description: 'Each reminder with when it goes out', schema: BookingRemindersSchema },
        404: hidden,
      },
    },
    auth,
    async (req, reply) => {
      const r = await reminders.findForOwner(req.principal!, req.valid.params.id);
      return reply(200, toBookingRemindersView(r.start, r.plan, r.jobs));
    },
  );

  api.endpoint(
    {
      method: 'put',
      path: '/api/v1/bookings/{id}/reminders',
      summary: 'Replace the reminders of my booking',
      tags,
      auth: true,
      params: BookingParams,
      body: PutRemindersBody,
      responses: {
        200: { description: 'The reminders as saved', schema: BookingRemindersSchema },
        400: problem('`validation_failed`; `reminder_time_passed`: a reminder’s time has already gone'),
        404: hidden,
        409: problem('`booking_not_open`: the booking is cancelled or over'),
      },
    },
    auth,
    async (req, reply) => {
      const r = await reminders.replaceForOwner(req.principal!, req.valid.params.id, req.valid.body);
      return reply(200, toBookingRemindersView(r.start, r.plan, r.jobs));
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/reminders',
      summary: 'Reminder jobs: scheduled, sent, failed (admins)',
      tags,
      auth: true,
      query: AdminRemindersQuery,
      responses: {
        200: { description: 'A page of reminder jobs by due time', schema: ReminderJobPage },
        403: problem('`admin_only`'),
      },
    },
    auth,
    async (req, reply) => {
      const page = await reminders.listPage(req.principal!, req.valid.query);
      return reply(200, { items: page.items.map(toReminderJobView), nextCursor: page.nextCursor });
    },
  );
}
