package io.github.microkit.messaging;

/**
 * Processes one consumed message. The message is acked only after this returns; throw to have it retried
 * later (through the queue's delay queues), or throw {@link NonRetryableException} to send it to the dead-letter
 * queue at once.
 *
 * <p>Handlers are called again for a message whose ack was lost (at-least-once delivery): make them idempotent,
 * or give the subscription a {@link Deduplicator}.
 *
 * @param <T> the payload type the body is decoded to
 */
@FunctionalInterface
public interface MessageHandler<T> {

    void handle(T payload, MessageMetadata metadata) throws Exception;
}
