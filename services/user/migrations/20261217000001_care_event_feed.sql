-- Events the booking service follows for care reminders (issue 15): medical records created, changed
-- or deleted and pets deleted or restored, appended in the transaction of the change (the kit's event
-- feed, packages/kit/src/event-feed.ts).
create sequence feed_events_seq;
create table feed_events (
  seq bigint primary key,
  type text not null,
  payload jsonb not null,
  created_at timestamptz not null default now()
);
create index feed_events_created_idx on feed_events (created_at);
