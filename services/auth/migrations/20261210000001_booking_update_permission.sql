-- Rescheduling or changing one's own booking was allowed to anyone who owned one; it is now a
-- permission of the role map like every other booking action (pet owners have it; admins have all).
insert into permissions (name, description) values ('booking:update:own', 'Reschedule or change own bookings')
  on conflict (name) do nothing;
insert into role_permissions (role, permission)
  select role, 'booking:update:own' from (values ('pet_owner'), ('admin')) as r(role)
  where exists (select 1 from roles where name = r.role)
  on conflict do nothing;
