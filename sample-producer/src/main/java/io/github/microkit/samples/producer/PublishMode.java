package io.github.microkit.samples.producer;

/**
 * {@code PUBLISH_MODE}: when the producer answers {@code 202}.
 * <ul>
 *   <li>{@link #CONFIRM} (default): after the broker confirmed the message. The client learns that the broker has
 *       it; while the broker is away, orders are refused with {@code 503} and the client retries.</li>
 *   <li>{@link #OUTBOX}: at the commit of one database transaction holding the order, its {@code OrderPlaced}
 *       event (microkit's outbox) and the idempotency record; the relay publishes afterwards. Accepting survives a
 *       broker outage, and the event is exactly as durable as the commit.</li>
 * </ul>
 */
enum PublishMode {
    CONFIRM, OUTBOX
}
