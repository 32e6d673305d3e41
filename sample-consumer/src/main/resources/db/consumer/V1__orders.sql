-- The consumer's own tables (Flyway, history table consumer_schema_history; microkit's inbox has its own).
-- The same SQL runs on PostgreSQL and on H2 in PostgreSQL mode.

-- One row per order, written in the inbox's transaction (insert ... on conflict do nothing).
create table orders (
    order_id     varchar(64)  primary key,
    customer_id  varchar(255) not null,
    items        text         not null,                            -- the event's items, as JSON
    status       varchar(32)  not null,
    trace_id     varchar(32),
    received_at  timestamp with time zone not null,
    seq          bigint generated always as identity unique        -- arrival order: GET /orders pages by it
);

-- One row per handled message, on purpose without a unique key on order_id: the witness of exactly-once.
-- A message whose effects ran twice would show as two rows for one order.
create table order_history (
    id           bigint generated always as identity primary key,
    order_id     varchar(64)  not null,
    message_id   varchar(255) not null,
    event        varchar(64)  not null,
    recorded_at  timestamp with time zone not null default current_timestamp
);
create index order_history_order on order_history (order_id);
