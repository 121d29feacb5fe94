-- Per-account budgets over a time window (uploads per hour), shared by every replica (kit WindowQuota).
create table rate_counters (
  key text primary key,
  window_start timestamptz not null,
  count integer not null
);
