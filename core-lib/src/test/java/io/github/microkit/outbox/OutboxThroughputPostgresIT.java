package io.github.microkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.messaging.Topology;
import io.github.microkit.testing.database.TestDatabase;
import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rough figure, not a benchmark (that is {@code benchmarks/run.sh durable}): how fast one relay drains 10,000
 * pending rows of 10,000 ordering keys on PostgreSQL, and how fast they were appended. Prints both; asserts only
 * that every row was published once.
 */
class OutboxThroughputPostgresIT {

    @RegisterExtension
    static final TestDatabase database = TestDatabase.postgres();

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    record OrderPlaced(String orderId, String customerId, String padding) {
    }

    @Test
    void oneRelayDrainsTenThousandPendingRows() {
        DataSource dataSource = database.dataSource();
        Db.reset(dataSource);
        String exchange = broker.uniqueName("orders");
        String queue = broker.uniqueName("orders.placed");
        int rows = 10_000;
        Outbox outbox = Outbox.create();
        String padding = "x".repeat(900); // about 1 KB bodies, as the yardsticks use
        long appendStart = System.nanoTime();
        for (int t = 0; t < rows / 100; t++) {
            int first = t * 100;
            Db.inTransaction(dataSource, tx -> {
                for (int n = first; n < first + 100; n++) {
                    outbox.append(tx, OutboundMessage.to(exchange, "order.placed")
                            .payload(new OrderPlaced("o-" + n, "c-42", padding)).type("order.placed.v1").build(),
                            "o-" + n);
                }
                return null;
            });
        }
        double appendSeconds = (System.nanoTime() - appendStart) / 1e9;
        try (Rabbit rabbit = Rabbit.connect(RabbitConfig.builder().uri(broker.uri()).build());
                Publisher publisher = rabbit.publisher()) {
            rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.TOPIC)
                    .queue(QueueSpec.classic(queue).build()).bind(exchange, queue, "order.placed").build());
            // the same messages through the plain publisher first: the ceiling the relay works under
            long plainStart = System.nanoTime();
            java.util.List<java.util.concurrent.CompletableFuture<?>> confirms = new java.util.ArrayList<>();
            for (int n = 0; n < rows; n++) {
                confirms.add(publisher.publish(OutboundMessage.to(exchange, "order.placed")
                        .payload(new OrderPlaced("p-" + n, "c-42", padding)).type("order.placed.v1").build()));
            }
            java.util.concurrent.CompletableFuture.allOf(confirms.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .join();
            double plainSeconds = (System.nanoTime() - plainStart) / 1e9;
            broker.withChannel(ch -> ch.queuePurge(queue));
            long start = System.nanoTime();
            try (OutboxRelay relay = OutboxRelay.start(dataSource, publisher, OutboxRelayConfig.builder()
                    .pollInterval(Duration.ofMillis(20)).build())) {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20))
                        .until(() -> relay.stats().published() == rows);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("outbox append: %d rows in %.2f s = %.0f rows/s (transactions of 100)%n", rows,
                        appendSeconds, rows / appendSeconds);
                System.out.printf("outbox relay: %d rows in %.2f s = %.0f rows/s (batch %d, 1 KB bodies)%n", rows,
                        seconds, rows / seconds, relay.config().batchSize());
                System.out.printf("plain publisher, same run: %d messages in %.2f s = %.0f msg/s; relay/plain = %.2f%n",
                        rows, plainSeconds, rows / plainSeconds, plainSeconds / seconds);
            }
            assertThat(broker.messageCount(queue)).isEqualTo(rows);
            assertThat(Db.count(dataSource, "select count(*) from microkit_outbox where sent_at is null")).isZero();
        }
    }
}
