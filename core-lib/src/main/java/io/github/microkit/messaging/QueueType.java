package io.github.microkit.messaging;

import java.util.Locale;

/**
 * Quorum queues are replicated and durable, the default for anything that must not be lost; classic
 * queues are for transient or very high-rate use where a single copy is enough.
 */
public enum QueueType {
    QUORUM, CLASSIC;

    public String amqpName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
