import { isE164, z } from '@petpro/kit';
import { TokensSchema } from '../accounts/accounts.schemas.ts';

export const MfaMethodSchema = z.enum(['totp', 'sms', 'backup_code']);

const code = z.string().trim().min(1, 'is required').max(64);
const mfaToken = z.string().min(10).max(200);

export const CodeBody = z.strictObject({ code }).openapi('MfaCodeRequest');
export const PhoneBody = z
  .strictObject({
    phone: z.string().trim().refine(isE164, 'must be an E.164 phone number, e.g. +6281234567890'),
  })
  .openapi('MfaPhoneRequest');
export const MfaTokenBody = z.strictObject({ mfaToken }).openapi('MfaTokenRequest');
export const VerifyBody = z.strictObject({ mfaToken, method: MfaMethodSchema, code }).openapi('MfaVerifyRequest');
export type VerifyBody = z.output<typeof VerifyBody>;

/** A second-factor code sent with a sensitive change (step-up). */
export const StepUpHeaders = z.object({
  'X-MFA-Method': MfaMethodSchema.default('totp').openapi({
    description: 'Which second factor `X-MFA-Code` is from (default `totp`)',
  }),
  'X-MFA-Code': code.optional().openapi({
    description: 'A second-factor code; required when the account has MFA on (else 403 `mfa_required`)',
  }),
});
export type StepUpHeaders = z.output<typeof StepUpHeaders>;

export const MfaStateSchema = z
  .object({
    enabled: z.boolean(),
    methods: z.array(MfaMethodSchema),
    backupCodesRemaining: z.number().int(),
  })
  .openapi('MfaState');
export type MfaStateView = z.output<typeof MfaStateSchema>;

export const TotpSetupSchema = z
  .object({
    secret: z.string().openapi({ description: 'Base32 secret, for typing into an authenticator app' }),
    otpauthUri: z.string().openapi({ example: 'otpauth://totp/PetPro:budi%40example.com?issuer=PetPro&secret=...' }),
    qrCode: z.string().openapi({ description: 'The URI as a QR code, a PNG data URL' }),
  })
  .openapi('TotpSetup');
export type TotpSetupView = z.output<typeof TotpSetupSchema>;

export const BackupCodesSchema = z
  .object({ codes: z.array(z.string()).openapi({ description: 'Shown once; each works once' }) })
  .openapi('BackupCodes');

export const MfaChallengeSchema = z
  .object({ mfaRequired: z.literal(true), mfaToken: z.string(), methods: z.array(MfaMethodSchema) })
  .openapi('MfaChallenge');

export const LoginAnswerSchema = z.union([TokensSchema, MfaChallengeSchema]).openapi('LoginAnswer');
export type LoginAnswerView = z.output<typeof LoginAnswerSchema>;

export const SentSchema = z.object({ status: z.literal('sent'), message: z.string() }).openapi('MfaCodeSent');

export const RecoveryStartBody = z
  .strictObject({
    email: z
      .string()
      .trim()
      .max(254)
      .pipe(z.email({ error: 'must be a valid email address' })),
    password: z.string().min(1, 'is required').max(1024),
  })
  .openapi('MfaRecoveryStartRequest');
export const RecoveryCompleteBody = z
  .strictObject({ token: z.string().min(10).max(200) })
  .openapi('MfaRecoveryCompleteRequest');
export const RecoveryScheduledSchema = z
  .object({ status: z.literal('scheduled'), executeAfter: z.string() })
  .openapi('MfaRecoveryScheduled');
