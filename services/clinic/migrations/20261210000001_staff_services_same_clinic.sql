-- A staff member can be qualified only for a service of the same clinic, and every write of a link
-- is scoped by its clinic: staff_services carries clinic_id, and both foreign keys include it.
-- (Before, removing a service through another clinic's URL deleted the foreign service's links.)
alter table clinic_staff add constraint clinic_staff_clinic_id_uq unique (clinic_id, id);
alter table clinic_services add constraint clinic_services_clinic_id_uq unique (clinic_id, id);
alter table staff_services add column clinic_id uuid;
update staff_services ss set clinic_id = st.clinic_id from clinic_staff st where st.id = ss.staff_id;
delete from staff_services ss using clinic_services sv where sv.id = ss.service_id and sv.clinic_id <> ss.clinic_id;
alter table staff_services alter column clinic_id set not null;
alter table staff_services
  drop constraint staff_services_staff_id_fkey,
  drop constraint staff_services_service_id_fkey,
  add constraint staff_services_staff_fk foreign key (clinic_id, staff_id) references clinic_staff (clinic_id, id) on delete cascade,
  add constraint staff_services_service_fk foreign key (clinic_id, service_id) references clinic_services (clinic_id, id) on delete cascade;
