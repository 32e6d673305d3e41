package io.github.microkit.samples.producer;

import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Topology;

import java.time.Duration;

/**
 * The broker objects of the order flow. Both samples declare the same topology (declaring is idempotent),
 * so whichever starts first creates it and the producer's first order is never unroutable. Keep it equal to
 * the consumer's copy: a queue declared with other arguments fails the start with the difference named.
 */
final class OrderTopology {

    static final String QUEUE = "orders.placed";

    private OrderTopology() {
    }

    static Topology orders() {
        return Topology.builder()
                .exchange(OrderPlaced.EXCHANGE, ExchangeType.TOPIC)
                // quorum queue with dead-letter queue orders.placed.dlq and three delayed-retry steps
                .queue(QueueSpec.quorum(QUEUE)
                        .retryDelays(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)))
                .bind(OrderPlaced.EXCHANGE, QUEUE, OrderPlaced.ROUTING_KEY)
                .build();
    }
}
