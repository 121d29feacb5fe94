import { ProfileFillAnswer, ProfileFillBody } from '@petpro/contracts';
import { type ApiRouter, type ServiceCredentials, z } from '@petpro/kit';
import { IdParam } from '../shared/strings.ts';
import type { ProfilesService } from './profiles.service.ts';

const UserParams = z.object({ userId: IdParam });

/** The auth service hands over what a social login provider says about a user (issue 16). */
export function providerProfileRoutes(
  api: ApiRouter,
  deps: { profiles: ProfilesService; credentials: ServiceCredentials },
): void {
  api.endpoint(
    {
      method: 'post',
      path: '/internal/users/{userId}/profile/fill-empty',
      summary: 'Fill the empty profile fields (name, avatar) from a social login provider',
      tags: ['internal'],
      params: UserParams,
      body: ProfileFillBody,
      responses: { 200: { description: 'The fields that were empty and are now filled', schema: ProfileFillAnswer } },
    },
    deps.credentials.require('auth'),
    async (req, reply) => reply(200, await deps.profiles.fillEmpty(req.valid.params.userId, req.valid.body)),
  );
}
