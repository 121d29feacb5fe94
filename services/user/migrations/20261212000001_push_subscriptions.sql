-- Web Push devices of a user (the browser's PushSubscription). One row per user and endpoint: the
-- same browser subscribed under two accounts is two rows, so one account can never take over
-- another's device. Every read and write is scoped by user_id in its query.
create table push_subscriptions (
  id uuid primary key,
  user_id uuid not null,
  endpoint text not null,
  p256dh text not null,
  auth text not null,
  expiration_time timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, endpoint)
);
create index push_subscriptions_user_idx on push_subscriptions(user_id, created_at);
