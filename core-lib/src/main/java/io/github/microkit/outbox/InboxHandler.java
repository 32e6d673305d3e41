package io.github.microkit.outbox;

import io.github.microkit.messaging.MessageMetadata;
import java.sql.Connection;

/**
 * A message handler that writes to the database in the inbox's transaction: whatever it does through {@code tx}
 * commits together with the record that the message was processed, or not at all. It must not commit, roll back
 * or close {@code tx}. Throw to roll back and have the message retried (or
 * {@code NonRetryableException} to dead-letter it).
 *
 * <p>Under {@link Inbox#batchHandler} the transaction holds a whole batch: a throw rolls back every message of it,
 * and each then runs again alone, in a transaction of its own, so only the failing one is retried or dead-lettered.
 * Effects outside {@code tx} (a call to another service) may therefore happen twice: keep them idempotent.
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface InboxHandler<T> {

    void handle(T payload, MessageMetadata metadata, Connection tx) throws Exception;
}
