-- Real-time delivery (issue 13): the outbox becomes an ordered log clients resume from, and browsers
-- get single-use tickets to open a WebSocket.

-- Positions in commit order: the outbox repository takes them from this sequence under a transaction
-- advisory lock (see lockLogOrder in the kit), so a position is never read past before it commits.
create sequence outbox_events_seq;
alter table outbox_events add column seq bigint;
with ordered as (select id, row_number() over (order by id) as n from outbox_events)
update outbox_events o set seq = ordered.n from ordered where o.id = ordered.id;
select setval('outbox_events_seq', max(seq)) from outbox_events having max(seq) is not null;
alter table outbox_events alter column seq set not null;
alter table outbox_events alter column seq set default nextval('outbox_events_seq');
create unique index outbox_events_seq_idx on outbox_events (seq);
create index outbox_events_created_idx on outbox_events (created_at);
-- Events for one user outside any clinic (reminders) have no clinic.
alter table outbox_events alter column clinic_id drop not null;

-- WebSocket tickets: the SHA-256 of the ticket only, single use (deleted when redeemed), 30 s.
create table realtime_tickets (
  hash text primary key,
  user_id uuid not null,
  session_id text not null,
  roles text[] not null,
  permissions text[] not null,
  token_expires_at timestamptz not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index realtime_tickets_expires_idx on realtime_tickets (expires_at);

-- The newest position purged from the outbox: a client resuming from before it gets `resync`.
create table outbox_horizon (
  id boolean primary key default true check (id),
  purged_through bigint not null
);
insert into outbox_horizon (purged_through) values (0);

-- Where this service is in the feeds it follows (the kit's event feed): the clinic service's
-- availability events become `availability.changed` in the outbox.
create table feed_cursors (
  source text primary key,
  position bigint not null,
  updated_at timestamptz not null default now()
);
