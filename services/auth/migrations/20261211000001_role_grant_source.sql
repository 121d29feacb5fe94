-- Where each role grant came from, so that a service takes back only what it gave: unlinking a clinic
-- staff account removes `clinic_staff` only when the clinic service granted it, never an admin's grant.
-- 'system': registration or start-up; 'admin': an admin's role assignment; 'service:<name>': a service.
alter table user_roles add column granted_via text not null default 'system';
update user_roles set granted_via = 'admin' where granted_by is not null;
-- Before this column the clinic service was the only one granting vendor and clinic_staff.
update user_roles set granted_via = 'service:clinic' where granted_by is null and role in ('vendor', 'clinic_staff');
