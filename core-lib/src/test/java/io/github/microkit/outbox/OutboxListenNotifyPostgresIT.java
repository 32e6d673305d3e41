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

/** PostgreSQL only: the relay wakes at the commit of an append (LISTEN/NOTIFY), not at its next poll. */
class OutboxListenNotifyPostgresIT {

    @RegisterExtension
    static final TestDatabase database = TestDatabase.postgres();

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    record OrderPlaced(String orderId) {
    }

    @Test
    void aCommittedAppendWakesAnIdleRelayLongBeforeItsNextPoll() throws Exception {
        DataSource dataSource = database.dataSource();
        Db.reset(dataSource);
        String exchange = broker.uniqueName("orders");
        String queue = broker.uniqueName("orders.placed");
        Duration poll = Duration.ofSeconds(30);
        try (Rabbit rabbit = Rabbit.connect(RabbitConfig.builder().uri(broker.uri()).build());
                Publisher publisher = rabbit.publisher();
                OutboxRelay relay = OutboxRelay.start(dataSource, publisher,
                        OutboxRelayConfig.builder().pollInterval(poll).build())) {
            rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.TOPIC)
                    .queue(QueueSpec.classic(queue).build()).bind(exchange, queue, "order.placed").build());
            // the relay listens (its connection's last statement), has looked once and now sleeps for 30 s
            await().atMost(Duration.ofSeconds(10)).until(() -> Db.count(dataSource, "select count(*) from"
                    + " pg_stat_activity where datname = current_database() and query = 'LISTEN microkit_outbox'") == 1);

            long started = System.nanoTime();
            Outbox outbox = Outbox.create(OutboxConfig.builder().notifyOnAppend(true).build()); // off by default
            Db.inTransaction(dataSource, tx -> outbox.append(tx, OutboundMessage.to(exchange, "order.placed")
                    .payload(new OrderPlaced("o-1")).build()));
            await().atMost(Duration.ofSeconds(15)).until(() -> broker.messageCount(queue) == 1);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            // a third of the poll interval, with room for a busy machine: only the notification explains it
            assertThat(took).as("woken by the notification at commit").isLessThan(poll.dividedBy(3));
            await().atMost(Duration.ofSeconds(5)).until(() -> relay.stats().published() == 1);
        }
    }
}
