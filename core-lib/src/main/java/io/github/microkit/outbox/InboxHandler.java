package io.github.microkit.outbox;

import io.github.microkit.messaging.MessageMetadata;
import java.sql.Connection;

/**
 * A message handler that writes to the database in the inbox's transaction: whatever it does through {@code tx}
 * commits together with the record that the message was processed, or not at all. It must not commit, roll back
 * or close {@code tx}. Throw to roll back and have the message retried (or
 * {@code NonRetryableException} to dead-letter it).
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface InboxHandler<T> {

    void handle(T payload, MessageMetadata metadata, Connection tx) throws Exception;
}
