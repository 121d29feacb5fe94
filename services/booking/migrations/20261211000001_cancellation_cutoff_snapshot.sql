-- The cancellation cut-off of the clinic's policy when the booking was made: a later change of the
-- policy never moves the deadline of a booking already made. Null on bookings made before this
-- column existed; those follow the clinic's current policy.
alter table bookings add column cancellation_cutoff_minutes integer check (cancellation_cutoff_minutes >= 0);
