import { pageOf, z } from '@petpro/kit';

const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'must be a valid email address' }));
// Length limits are the password policy's (with its own error codes); this only bounds the input.
const password = z.string().min(1, 'is required').max(1024);

export const RegisterBody = z
  .strictObject({
    email,
    password,
    name: z.string().trim().min(1, 'is required').max(100),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number')
      .optional(),
    language: z.enum(['id', 'en']).optional(),
  })
  .openapi('RegisterRequest');

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    emailVerified: z.boolean(),
    language: z.enum(['id', 'en']),
    roles: z.array(z.string()),
    createdAt: z.string(),
  })
  .openapi('User');

export const MeSchema = UserSchema.extend({
  permissions: z.array(z.string()),
  mfa: z.object({
    enabled: z.boolean(),
    methods: z.array(z.string()),
    backupCodesRemaining: z.number().int(),
  }),
  providers: z.array(z.string()),
  hasPassword: z.boolean(),
  sessionId: z.string(),
}).openapi('Me');

export const TokenBody = z.strictObject({ token: z.string().min(10).max(200) }).openapi('TokenRequest');
export const EmailBody = z.strictObject({ email }).openapi('EmailRequest');

export const LoginBody = z
  .strictObject({ email, password, deviceId: z.string().trim().min(1).max(128).optional() })
  .openapi('LoginRequest');

export const TokensSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int(),
    user: UserSchema.optional(),
  })
  .openapi('Tokens');

export const RefreshBody = z.strictObject({ refreshToken: z.string().min(10).max(200) }).openapi('RefreshRequest');
export const ResetBody = z
  .strictObject({ token: z.string().min(10).max(200), password })
  .openapi('PasswordResetRequest');
export const ChangeBody = z
  .strictObject({ currentPassword: password, newPassword: password })
  .openapi('PasswordChangeRequest');
export const Accepted = z.object({ status: z.literal('accepted'), message: z.string() }).openapi('Accepted');
export const VerifiedSchema = z.object({ status: z.literal('verified') }).openapi('Verified');

export type RegisterBody = z.output<typeof RegisterBody>;
export type UserView = z.output<typeof UserSchema>;
export type MeView = z.output<typeof MeSchema>;
export type TokensView = z.output<typeof TokensSchema>;

export const SearchUsersQuery = z.object({
  email: z.string().trim().toLowerCase().max(254).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type SearchUsersQuery = z.output<typeof SearchUsersQuery>;
export const UserPage = pageOf(UserSchema).openapi('UserPage');
