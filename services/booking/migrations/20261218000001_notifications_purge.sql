-- The inbox purge (BOOKING_INBOX_KEEP_DAYS) finds old entries by this index instead of a scan.
create index notifications_created_idx on notifications (created_at);
