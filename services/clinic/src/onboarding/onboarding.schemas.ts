import { pageOf, z, splitList } from '@petpro/kit';
import {
  LocationSchema,
  PriceSchema,
  categoryField,
  emailField,
  pageQuery,
  phoneField,
  text,
  timeZoneField,
} from '../shared/schemas.ts';
import { normaliseNpwp } from './npwp.ts';
import { BUSINESS_TYPES, DOCUMENT_TYPES, STATUSES } from './state-machine.ts';

export const BusinessStepBody = z
  .strictObject({
    legalName: text(200, 2),
    businessType: z.enum(BUSINESS_TYPES),
    taxId: z
      .string()
      .max(30)
      .transform((v, ctx) => {
        const digits = normaliseNpwp(v);
        if (!digits) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be an NPWP: 15 or 16 digits, or the form 01.234.567.8-901.000',
          });
          return z.NEVER;
        }
        return digits;
      })
      .openapi({ type: 'string', example: '01.234.567.8-901.000' }),
    licenceNumber: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ./-]{2,99}$/, 'must be a licence number (letters, digits, / . -)'),
  })
  .openapi('OnboardingBusinessStep');
export type BusinessStep = z.output<typeof BusinessStepBody>;

export const ContactStepBody = z
  .strictObject({ contactName: text(200), email: emailField, phone: phoneField })
  .openapi('OnboardingContactStep');
export type ContactStep = z.output<typeof ContactStepBody>;

export const LocationStepBody = z
  .strictObject({
    address: text(500),
    city: text(100),
    province: text(100),
    location: LocationSchema,
    timeZone: timeZoneField.default('Asia/Jakarta'),
  })
  .openapi('OnboardingLocationStep');
export type LocationStep = z.output<typeof LocationStepBody>;

export const ServicesStepBody = z
  .strictObject({
    services: z
      .array(
        z.strictObject({
          name: text(200),
          category: categoryField,
          price: PriceSchema,
          durationMinutes: z
            .number()
            .int()
            .min(5, 'must be at least 5 minutes')
            .max(1_440, 'must be at most 1440 minutes'),
        }),
      )
      .min(1, 'list at least one service')
      .max(50, 'at most 50 services; add more after approval'),
  })
  .openapi('OnboardingServicesStep');
export type ServicesStep = z.output<typeof ServicesStepBody>;

/** The validated body of any step. */
export type StepValue = BusinessStep | ContactStep | LocationStep | ServicesStep;

export const ApplicationParams = z.object({ id: z.uuid() });
export const DocumentParams = z.object({ id: z.uuid(), docId: z.uuid() });
export const DocumentForm = z.object({
  type: z.enum(DOCUMENT_TYPES, { error: `must be one of ${DOCUMENT_TYPES.join(', ')}` }),
});
export const VerifyBody = z
  .strictObject({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, 'must be the 6-digit code from the email'),
  })
  .openapi('VerifyContactRequest');
export const ReasonBody = z
  .strictObject({ reason: z.string().trim().min(1).max(2_000).optional() })
  .openapi('ReviewDecisionRequest');

export const QueueQuery = z.object({
  status: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const list = splitList(v);
      const bad = list.filter((s) => !(STATUSES as readonly string[]).includes(s));
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message: `unknown status ${bad.join(', ')}; use ${STATUSES.join(', ')}` });
        return z.NEVER;
      }
      return list;
    })
    .openapi({
      type: 'string',
      description: 'One status or a comma list; default submitted,approving',
      example: 'submitted',
    }),
  olderThanHours: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .optional()
    .openapi({ description: 'Only applications waiting at least this long (since submission, else creation)' }),
  newerThanHours: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .optional()
    .openapi({ description: 'Only applications waiting at most this long' }),
  ...pageQuery,
});

export const DocumentSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(DOCUMENT_TYPES),
    fileName: z.string(),
    contentType: z.string(),
    sizeBytes: z.number().int(),
    uploadedAt: z.string(),
    url: z.string(),
  })
  .openapi('OnboardingDocument');
export type DocumentView = z.output<typeof DocumentSchema>;

const EventSchema = z
  .object({
    id: z.uuid(),
    at: z.string(),
    type: z.string(),
    actor: z.object({ kind: z.enum(['applicant', 'admin', 'system']), userId: z.uuid().nullable() }),
    fromStatus: z.string().nullable(),
    toStatus: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('OnboardingEvent');
export type EventView = z.output<typeof EventSchema>;

export const ApplicationSchema = z
  .object({
    id: z.uuid(),
    applicantUserId: z.uuid(),
    status: z.enum(STATUSES),
    steps: z.object({
      business: BusinessStepBody.extend({ taxId: z.string() }).nullable(),
      contact: ContactStepBody.nullable(),
      location: LocationStepBody.nullable(),
      services: ServicesStepBody.nullable(),
    }),
    contactVerified: z.boolean(),
    documents: z.array(DocumentSchema),
    missing: z
      .array(z.string())
      .openapi({ description: 'What submission still needs: step:<name>, document:<type>, contact_verification' }),
    reviewReason: z.string().nullable(),
    clinicId: z.uuid().nullable(),
    approval: z
      .object({ attempts: z.number().int(), lastError: z.string().nullable(), nextAttemptAt: z.string().nullable() })
      .nullable(),
    submittedAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    history: z.array(EventSchema).optional(),
  })
  .openapi('OnboardingApplication');
export type ApplicationView = z.output<typeof ApplicationSchema>;

export const QueueItemSchema = z
  .object({
    id: z.uuid(),
    applicantUserId: z.uuid(),
    status: z.enum(STATUSES),
    legalName: z.string().nullable(),
    businessType: z.string().nullable(),
    city: z.string().nullable(),
    submittedAt: z.string().nullable(),
    createdAt: z.string(),
    waitingHours: z.number(),
  })
  .openapi('OnboardingQueueItem');
export type QueueItemView = z.output<typeof QueueItemSchema>;
export const QueueSchema = pageOf(QueueItemSchema).openapi('OnboardingQueue');

/** The answer to a resend: the code is on its way. */
export const CodeSentSchema = z.object({ status: z.literal('sent') });

/** A document's bytes: private papers, never cached by others or rendered as a page of this origin. */
export const DocumentFileHeaders = {
  'Content-Type': z.string(),
  'Content-Length': z.number().int(),
  'Content-Disposition': z.string(),
  'Cache-Control': z.literal('private, no-store'),
  'Content-Security-Policy': z.string(),
};
