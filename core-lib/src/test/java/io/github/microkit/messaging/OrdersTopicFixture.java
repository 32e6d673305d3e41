package io.github.microkit.messaging;

import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the consumer tests start from: a connection, a topic exchange and a queue name of their own, and
 * {@code order.placed} messages to publish. Each test declares the queue it needs with {@link #declare}.
 */
abstract class OrdersTopicFixture {

    record OrderPlaced(String orderId, String customerId, int quantity) {
    }

    private final List<Rabbit> rabbits = new ArrayList<>();
    private final String connectionName;
    protected Rabbit rabbit;
    protected Publisher publisher;
    protected String exchange;
    protected String queueName;

    OrdersTopicFixture(String connectionName) {
        this.connectionName = connectionName;
    }

    /** The broker of the test class (its static extension). */
    abstract RabbitMqBroker broker();

    @BeforeEach
    void connect() {
        rabbit = connectRabbit(connectionName);
        exchange = broker().uniqueName("orders");
        queueName = broker().uniqueName("orders.placed");
        publisher = rabbit.publisher();
    }

    @AfterEach
    void close() {
        for (Rabbit r : rabbits) {
            r.close();
        }
    }

    /** Another connection, closed after the test (as a second replica would have). */
    Rabbit connectRabbit(String name) {
        Rabbit r = Rabbit.connect(RabbitConfig.builder().uri(broker().uri()).connectionName(name).build());
        rabbits.add(r);
        return r;
    }

    /** Declares {@code queue} bound to the test's exchange with {@code order.placed}. */
    QueueSpec declare(QueueSpec.Builder queue) {
        QueueSpec spec = queue.build();
        rabbit.declare(Topology.builder()
                .exchange(exchange, ExchangeType.TOPIC)
                .queue(spec)
                .bind(exchange, spec.name(), "order.placed")
                .build());
        return spec;
    }

    OutboundMessage order(String orderId) {
        return OutboundMessage.to(exchange, "order.placed").payload(new OrderPlaced(orderId, "c-42", 2))
                .type("order.placed.v1").build();
    }
}
