package io.github.microkit.messaging;

import java.util.Locale;

/** AMQP 0-9-1 exchange types. */
public enum ExchangeType {
    DIRECT, TOPIC, FANOUT, HEADERS;

    /** The name the broker uses ({@code "topic"}). */
    public String amqpName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the routing key takes part in routing: a blank one is a mistake for these types. */
    public boolean routesByKey() {
        return this == DIRECT || this == TOPIC;
    }
}
