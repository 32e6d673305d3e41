package io.github.microkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.microkit.health.HealthStatus;
import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.PublisherConfig;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.messaging.Topology;
import io.github.microkit.testing.database.TestDatabase;
import io.github.microkit.testing.rabbitmq.PrivateRabbitNode;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The relay while the broker is away (a private node, stopped and started), on each database: appends keep
 * committing, the relay backs off and reports it, and everything is delivered once the broker is back.
 */
abstract class OutboxBrokerOutageContract {

    @RegisterExtension
    static final PrivateRabbitNode node = PrivateRabbitNode.create();

    abstract TestDatabase database();

    record OrderPlaced(String orderId) {
    }

    @Test
    void theRelayBacksOffWhileTheBrokerIsAwayAndDeliversEverythingWhenItIsBack() throws Exception {
        DataSource dataSource = database().dataSource();
        Db.reset(dataSource);
        String id = UUID.randomUUID().toString().substring(0, 8);
        String exchange = "orders-" + id;
        String queue = "orders.placed-" + id;
        try (Rabbit rabbit = Rabbit.connect(RabbitConfig.builder().uri(node.uri()).connectionName("outage-it")
                .recoveryInterval(Duration.ofMillis(500)).build())) {
            rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.TOPIC)
                    .queue(QueueSpec.classic(queue).build()).bind(exchange, queue, "order.placed").build());
            Outbox outbox = Outbox.create();
            try (Publisher publisher = rabbit.publisher(PublisherConfig.builder()
                    .confirmTimeout(Duration.ofSeconds(2)).windowTimeout(Duration.ofMillis(500)).build());
                    OutboxRelay relay = OutboxRelay.start(dataSource, publisher, OutboxRelayConfig.builder()
                            .pollInterval(Duration.ofMillis(50)).brokerBackoff(Duration.ofMillis(50), Duration.ofSeconds(1))
                            .build())) {
                Db.inTransaction(dataSource, tx -> outbox.append(tx, order(exchange, "before")));
                await().atMost(Duration.ofSeconds(10)).until(() -> relay.stats().published() == 1);

                node.stop();
                for (int i = 0; i < 100; i++) {
                    int n = i;
                    // the service keeps accepting work: appends only need the database
                    Db.inTransaction(dataSource, tx -> outbox.append(tx, order(exchange, "during-" + n), "key-" + (n % 7)));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> !relay.stats().brokerAvailable());
                assertThat(relay.health().check().status()).isEqualTo(HealthStatus.DEGRADED);
                assertThat(relay.health().check().detail()).contains("broker unavailable");
                assertThat(Db.count(dataSource, "select count(*) from microkit_outbox where sent_at is null"))
                        .isEqualTo(100);

                node.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> Db.count(dataSource,
                        "select count(*) from microkit_outbox where sent_at is null") == 0);
                // the counter follows the commit that marked the rows
                await().atMost(Duration.ofSeconds(5)).until(() -> relay.stats().published() == 101);
                assertThat(relay.stats().brokerAvailable()).isTrue();
                long inQueue = new RabbitMqCount(node.uri()).messages(queue);
                assertThat(inQueue).as("at least once: every row reached the queue").isGreaterThanOrEqualTo(101);
            }
        }
    }

    private static OutboundMessage order(String exchange, String orderId) {
        return OutboundMessage.to(exchange, "order.placed").payload(new OrderPlaced(orderId)).type("order.placed.v1")
                .build();
    }

    /** Counts a queue's messages with the raw client. */
    private record RabbitMqCount(String uri) {
        long messages(String queue) throws Exception {
            com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
            factory.setUri(uri);
            try (com.rabbitmq.client.Connection c = factory.newConnection();
                    com.rabbitmq.client.Channel ch = c.createChannel()) {
                return ch.queueDeclarePassive(queue).getMessageCount();
            }
        }
    }
}
