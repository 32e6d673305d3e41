package io.github.microkit.outbox;

import java.util.function.Supplier;

/**
 * Where an {@link OutboxRelay} and an {@link Inbox} report what they count. Micrometer is optional: this interface
 * names none of its types, {@link #noop()} is the default, and {@link MicrometerOutboxMetrics#of} (the only class
 * that touches Micrometer, loaded only when called) reports to a {@code MeterRegistry}.
 */
public interface OutboxMetrics {

    /** Reports nothing. */
    static OutboxMetrics noop() {
        return NoopOutboxMetrics.INSTANCE;
    }

    /** Rows published and confirmed, then marked sent. */
    default void published(int rows) {
    }

    /**
     * A row whose publish failed; {@code reason} is a {@code PublishException.Reason} name ({@code UNROUTABLE},
     * {@code NACKED} ...) or {@code INVALID} for a message the publisher refused before sending.
     */
    default void failed(String reason) {
    }

    /** Gauges for the relay's backlog, read from its last look at the table. */
    default void gauges(Supplier<OutboxRelay.Stats> stats) {
    }

    /** An inbox handler ran and committed ({@code duplicate} false), or found the message processed before. */
    default void inboxHandled(String consumer, boolean duplicate) {
    }
}
