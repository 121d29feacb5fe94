import { pageOf, pageQuery, z } from '@petpro/kit';

export const FavouriteSchema = z.object({ clinicId: z.uuid(), createdAt: z.string() }).openapi('Favourite');
export type FavouriteView = z.output<typeof FavouriteSchema>;

export const FavouritePage = pageOf(FavouriteSchema).openapi('FavouritePage');

export const ListFavouritesQuery = z.strictObject(pageQuery);
export type ListFavouritesQuery = z.output<typeof ListFavouritesQuery>;
