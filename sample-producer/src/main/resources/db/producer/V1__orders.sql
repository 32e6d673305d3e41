-- The producer's own tables (Flyway, history table producer_schema_history; microkit's outbox and idempotency
-- keys have their own). The same SQL runs on PostgreSQL and on H2 in PostgreSQL mode.

-- One row per accepted order. With an Idempotency-Key, the row is written before the first publish attempt
-- (PUBLISH_MODE=confirm), so that a retry after a 503 finds it and publishes the same message id again.
create table orders (
    order_id         varchar(64)  primary key,
    customer_id      varchar(255) not null,
    items            text         not null,                         -- the order's items, as JSON
    placed_at        timestamp with time zone not null,
    message_id       varchar(64)  not null,                         -- the OrderPlaced event's message_id
    status           varchar(16)  not null,                         -- PUBLISHING, CONFIRMED or OUTBOX
    idempotency_key  varchar(512) unique,                           -- "<client> <Idempotency-Key>", null without
    request_hash     varchar(128)                                   -- what the key was first used with
);
