package io.github.microkit.messaging;

import java.util.Map;
import java.util.Objects;

/**
 * A durable exchange to declare.
 *
 * @param name      the exchange's name; never empty (the default exchange cannot be declared)
 * @param type      how it routes
 * @param arguments extra arguments ({@code alternate-exchange} ...)
 */
public record ExchangeSpec(String name, ExchangeType type, Map<String, Object> arguments) {

    public ExchangeSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an exchange name must not be blank: the default exchange exists"
                    + " already and cannot be declared");
        }
        if (name.startsWith("amq.")) {
            throw new IllegalArgumentException("exchange '" + name + "': names starting with 'amq.' are reserved"
                    + " by the broker");
        }
        arguments = Map.copyOf(arguments);
    }

    public static ExchangeSpec of(String name, ExchangeType type) {
        return new ExchangeSpec(name, type, Map.of());
    }
}
