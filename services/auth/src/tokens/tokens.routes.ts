import { requireAuth, requirePermission, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { KeysService } from './keys.service.ts';
import { JwksHeaders, JwksSchema } from './tokens.schemas.ts';

/** The public keys that verify access tokens, and the admin's key rotation. */
export function tokensRoutes(api: ApiRouter, deps: { keys: KeysService; verifier: AccessTokenVerifier }) {
  const { keys } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'Public keys that verify access tokens',
      tags: ['auth'],
      responses: { 200: { description: 'JWK set', schema: JwksSchema, headers: JwksHeaders } },
    },
    async (_req, reply) => reply(200, await keys.jwks(), { 'Cache-Control': 'public, max-age=60' }),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/admin/keys/rotate',
      summary: 'Rotate the token signing key now (the old public key stays published until its tokens expire)',
      tags: ['admin'],
      auth: true,
      responses: { 200: { description: 'Rotated', schema: JwksSchema } },
    },
    auth,
    requirePermission('admin:keys'),
    async (req, reply) => reply(200, await keys.rotateNow(req.principal!)),
  );
}
