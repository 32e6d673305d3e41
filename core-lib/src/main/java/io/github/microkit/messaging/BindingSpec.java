package io.github.microkit.messaging;

import java.util.Objects;

/**
 * A binding from an exchange to a queue.
 *
 * @param exchange   the source exchange
 * @param queue      the destination queue
 * @param routingKey the binding key (a pattern for topic exchanges; ignored by fanout)
 */
public record BindingSpec(String exchange, String queue, String routingKey) {

    public BindingSpec {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(routingKey, "routingKey");
        if (exchange.isBlank() || queue.isBlank()) {
            throw new IllegalArgumentException("a binding needs a named exchange and queue, got exchange '"
                    + exchange + "' and queue '" + queue + "'");
        }
    }
}
