-- A pet's photos and medical records carry the pet's owner, and their foreign keys include it: a row
-- can only ever hang off a pet of its own owner, and every write is scoped by owner_id in its query.
alter table pets add constraint pets_owner_id_uq unique (owner_id, id);

alter table images drop constraint images_pet_fk;
alter table images add constraint images_pet_owner_fk foreign key (owner_id, pet_id) references pets (owner_id, id) on delete cascade;

alter table medical_records add column owner_id uuid;
update medical_records m set owner_id = p.owner_id from pets p where p.id = m.pet_id;
alter table medical_records alter column owner_id set not null;
alter table medical_records drop constraint medical_records_pet_id_fkey;
alter table medical_records add constraint medical_records_pet_owner_fk foreign key (owner_id, pet_id) references pets (owner_id, id) on delete cascade;
