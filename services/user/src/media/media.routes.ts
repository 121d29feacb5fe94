import express, { type Router } from 'express';
import { NotFoundError } from '@petpro/kit';
import { MEDIA_KEY, type MediaStorage } from './storage.ts';
import type { PetsService } from '../pets/pets.service.ts';

/**
 * Serves stored images under /api/v1/media/user (public through the gateway). Names are random and
 * never reused. Avatars may be cached for a year and marked immutable (their files go when they are
 * replaced). A pet photo is served only while its pet is not deleted (a restore brings it back), so
 * caches must ask again each time (a cheap 304 while it is still served).
 */
export function mediaRoutes(storage: MediaStorage, pets: Pick<PetsService, 'isPhotoServed'>): Router {
  const router = express.Router();
  router.get('/:folder/:file', async (req, res) => {
    const key = `${req.params.folder}/${req.params.file}`;
    if (!MEDIA_KEY.test(key)) throw new NotFoundError('media_not_found', 'No such image');
    const petPhoto = req.params.folder === 'pets';
    if (petPhoto && !(await pets.isPhotoServed(key))) throw new NotFoundError('media_not_found', 'No such image');
    const etag = `"${req.params.file}"`;
    res.setHeader('Cache-Control', petPhoto ? 'public, no-cache' : 'public, max-age=31536000, immutable');
    res.setHeader('ETag', etag);
    // helmet's default would stop web apps on another origin from showing the image.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    const obj = await storage.get(key);
    if (!obj) {
      res.removeHeader('Cache-Control');
      res.removeHeader('ETag');
      throw new NotFoundError('media_not_found', 'No such image');
    }
    res.setHeader('Content-Type', obj.contentType);
    if (obj.size !== undefined) res.setHeader('Content-Length', String(obj.size));
    if (req.method === 'HEAD') {
      obj.stream.destroy();
      res.end();
      return;
    }
    obj.stream.on('error', () => res.destroy());
    obj.stream.pipe(res);
  });
  return router;
}
