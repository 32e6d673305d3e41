/**
 * Durable messaging state on plain JDBC ({@code javax.sql.DataSource}): the transactional {@link
 * io.github.microkit.outbox.Outbox} and its {@link io.github.microkit.outbox.OutboxRelay}, the consumer's {@link
 * io.github.microkit.outbox.Inbox}, and HTTP idempotency keys ({@link io.github.microkit.outbox.IdempotencyStore}).
 * The tables ({@code microkit_*}) come from Flyway migrations shipped in this jar ({@link
 * io.github.microkit.outbox.DurableSchema}); PostgreSQL is the production target, H2 in PostgreSQL mode the embedded
 * one. This package may use {@code messaging}; {@code auth} and {@code secrets} stay independent of it.
 * Why this design: {@code docs/decisions/0700-outbox-and-inbox.md}.
 */
package io.github.microkit.outbox;
