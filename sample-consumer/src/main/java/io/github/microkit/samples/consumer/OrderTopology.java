package io.github.microkit.samples.consumer;

import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Topology;

import java.time.Duration;

/**
 * The broker objects of the order flow, the same as the producer declares (declaring is idempotent, so either
 * service may start first). Keep the two copies equal: a queue declared with other arguments fails the start
 * with the difference named.
 */
final class OrderTopology {

    static final String EXCHANGE = "orders";
    static final String ROUTING_KEY = "order.placed";
    /** Quorum queue with dead-letter queue {@code orders.placed.dlq} and delay queues {@code orders.placed.retry.<n>}. */
    static final QueueSpec ORDERS_PLACED = QueueSpec.quorum("orders.placed")
            .retryDelays(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30))
            .build();

    private OrderTopology() {
    }

    static Topology orders() {
        return Topology.builder()
                .exchange(EXCHANGE, ExchangeType.TOPIC)
                .queue(ORDERS_PLACED)
                .bind(EXCHANGE, ORDERS_PLACED.name(), ROUTING_KEY)
                .build();
    }
}
