-- The in-app notification inbox (issue 15, channel in_app). One row per delivery: the sender's
-- idempotency key is unique per user, so a retried delivery never shows the user a second entry.
create table notifications (
  id uuid primary key,
  user_id uuid not null,
  purpose text not null,
  title text not null,
  body text not null,
  link text,
  data jsonb not null default '{}',
  idempotency_key text not null,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  unique (user_id, idempotency_key)
);
-- Pages newest first (ids are UUIDv7) and the unread count.
create index notifications_user_idx on notifications (user_id, id desc);
create index notifications_unread_idx on notifications (user_id) where read_at is null;

