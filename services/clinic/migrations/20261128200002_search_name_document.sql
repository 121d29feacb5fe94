-- Relevance tiers for text search: a clinic whose name holds every searched word comes first. The
-- name gets its own tsvector and GIN index so that tier is read from the index alone (weights in the
-- combined document are not in its GIN index and would need every matching row checked).
alter table clinics add column name_document tsvector not null default ''::tsvector;
update clinics set name_document = to_tsvector('simple', name);
create index clinics_search_name_text_idx on clinics using gin (name_document) where published and deleted_at is null;
-- Text search reads the newest clinics of a city first (see SearchRepository.byTier).
create index clinics_search_city_id_idx on clinics (lower(city), id) where published and deleted_at is null;
-- Without statistics on lower(city) the planner guesses 0.5% of rows for any city and sorts a big
-- city's clinics instead of walking that index (PostgreSQL 14+).
create statistics clinics_city_stats on (lower(city)) from clinics;
