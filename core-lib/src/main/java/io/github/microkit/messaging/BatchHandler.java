package io.github.microkit.messaging;

import java.util.List;

/**
 * Processes consumed messages a batch at a time, for {@link Rabbit#subscribeBatches}: when work per message is
 * cheap but work per call is not (a database transaction and its commit), one call for many messages is what makes
 * the consumer fast.
 *
 * <p>A batch is all or nothing:
 * <ul>
 *   <li>its messages are acked only after this returns;</li>
 *   <li>if it throws, each message of the batch is run again alone, as a batch of one. A single poison message is
 *       then retried or dead-lettered by the usual path (delay queues, {@link NonRetryableException} to the
 *       dead-letter queue at once) without taking the others with it. So a message of a failed batch may be
 *       handled twice: make the handler idempotent, or roll back what it did (the inbox's
 *       {@code Inbox.batchHandler} does both in one database transaction).</li>
 * </ul>
 * The list holds up to {@link SubscriptionConfig#batchSize()} messages of one consumer channel, in delivery order;
 * messages whose body did not decode, whose type is not accepted, or that a {@link Deduplicator} recognised as
 * duplicates never reach it. {@code CurrentTrace} is set only for a batch of one: read each message's trace from
 * {@link MessageMetadata#trace()}.
 *
 * <p>Handlers are called again for messages whose ack was lost (at-least-once delivery): make them idempotent, or
 * use the inbox.
 *
 * @param <T> the payload type bodies are decoded to
 */
@FunctionalInterface
public interface BatchHandler<T> {

    void handle(List<InboundMessage<T>> messages) throws Exception;
}
