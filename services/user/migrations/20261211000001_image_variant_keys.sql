-- Pet photos are served only while their pet is not deleted: the media route looks a requested file up
-- by its storage key inside the image rows' variants, which this index makes a quick probe.
create index images_variant_keys_idx on images using gin (variants jsonb_path_ops) where kind = 'pet';
