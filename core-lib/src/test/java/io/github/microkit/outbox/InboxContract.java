package io.github.microkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.NonRetryableException;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.messaging.Subscription;
import io.github.microkit.messaging.SubscriptionConfig;
import io.github.microkit.messaging.Topology;
import io.github.microkit.testing.database.TestDatabase;
import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The inbox against a real broker, on each database ({@code InboxPostgresIT}, {@code InboxH2IT}): a handler's
 * effects commit once per message id, together with the id, whatever the broker redelivers.
 */
abstract class InboxContract {

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    abstract TestDatabase database();

    record OrderPlaced(String orderId, String customerId) {
    }

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private DataSource dataSource;
    private Rabbit rabbit;
    private Publisher publisher;
    private Inbox inbox;
    private String exchange;
    private QueueSpec queue;

    @BeforeEach
    void setUp() {
        dataSource = database().dataSource();
        Db.reset(dataSource);
        rabbit = connect("inbox-it");
        publisher = rabbit.publisher();
        toClose.add(publisher);
        inbox = Inbox.create(dataSource);
        toClose.add(inbox);
        exchange = broker.uniqueName("orders");
        queue = QueueSpec.quorum(broker.uniqueName("orders.placed")).retryDelays(Duration.ofMillis(200)).build();
        rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.TOPIC).queue(queue)
                .bind(exchange, queue.name(), "order.placed").build());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Rabbit connect(String name) {
        Rabbit r = Rabbit.connect(RabbitConfig.builder().uri(broker.uri()).connectionName(name).build());
        toClose.add(r);
        return r;
    }

    private Subscription subscribe(Rabbit on, InboxHandler<OrderPlaced> handler) {
        Subscription s = on.subscribe(SubscriptionConfig.forQueue(queue, OrderPlaced.class).build(),
                inbox.handler("order-store", handler));
        toClose.add(s);
        return s;
    }

    private OutboundMessage order(String orderId) {
        return OutboundMessage.to(exchange, "order.placed").payload(new OrderPlaced(orderId, "c-42"))
                .type("order.placed.v1").build();
    }

    private static void storeOrder(Connection tx, String orderId, String note) throws Exception {
        try (PreparedStatement ps = tx.prepareStatement("insert into test_order (id, note) values (?, ?)")) {
            ps.setString(1, orderId);
            ps.setString(2, note);
            ps.executeUpdate();
        }
    }

    private long orders() {
        return Db.count(dataSource, "select count(*) from test_order");
    }

    @Test
    void theSameMessageIdDeliveredTwiceRunsTheHandlersEffectsExactlyOnce() {
        AtomicInteger runs = new AtomicInteger();
        Subscription subscription = subscribe(rabbit, (order, meta, tx) -> {
            runs.incrementAndGet();
            storeOrder(tx, order.orderId(), "stored");
        });
        OutboundMessage message = order("o-1");
        publisher.publishAndWait(message);
        publisher.publishAndWait(message); // a producer's retry after a lost confirm: same message id

        await().atMost(Duration.ofSeconds(10)).until(() -> subscription.stats().acked() == 2);
        assertThat(runs).as("the handler ran for the first delivery only").hasValue(1);
        assertThat(orders()).isEqualTo(1);
        assertThat(inbox.processed("order-store", message.messageId())).isTrue();
        assertThat(inbox.processed("another-consumer", message.messageId()))
                .as("ids are kept per consumer name").isFalse();
    }

    @Test
    void aHandlerThatThrowsRollsBackItsWritesAndTheRetryRunsThemOnce() {
        AtomicInteger runs = new AtomicInteger();
        Subscription subscription = subscribe(rabbit, (order, meta, tx) -> {
            runs.incrementAndGet();
            storeOrder(tx, order.orderId(), "attempt " + meta.attempt());
            if (meta.attempt() == 1) {
                throw new IllegalStateException("downstream hiccup after the write");
            }
        });
        OutboundMessage message = order("o-2");
        publisher.publishAndWait(message);

        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 2
                && Db.count(dataSource, "select count(*) from microkit_inbox") == 1);
        assertThat(subscription.stats().retried()).isEqualTo(1);
        assertThat(Db.count(dataSource, "select count(*) from test_order where note = 'attempt 2'")).isEqualTo(1);
        assertThat(orders()).as("the first attempt's write was rolled back").isEqualTo(1);
        assertThat(Db.count(dataSource, "select count(*) from microkit_inbox")).isEqualTo(1);
    }

    @Test
    void aNonRetryableFailureDeadLettersTheMessageAndLeavesNoTrace() {
        Subscription subscription = subscribe(rabbit, (order, meta, tx) -> {
            storeOrder(tx, order.orderId(), "half done");
            throw new NonRetryableException("customer " + order.customerId() + " does not exist");
        });
        OutboundMessage message = order("o-3");
        publisher.publishAndWait(message);

        await().atMost(Duration.ofSeconds(10)).until(() -> subscription.stats().deadLettered() == 1);
        assertThat(orders()).isZero();
        assertThat(inbox.processed("order-store", message.messageId()))
                .as("not recorded: a replay from the dead-letter queue runs the handler").isFalse();
    }

    @Test
    void aConcurrentDuplicateOnAnotherReplicaWaitsForTheFirstAndDoesNotRunTwice() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        InboxHandler<OrderPlaced> slow = (order, meta, tx) -> {
            runs.incrementAndGet();
            storeOrder(tx, order.orderId(), "stored");
            release.await(20, TimeUnit.SECONDS); // holds its transaction open until the duplicate has arrived
        };
        // two replicas: their own broker connections and their own pools on the same database
        Subscription first = subscribe(rabbit, slow);
        Inbox otherInbox = Inbox.create(database().newDataSource(3));
        toClose.add(otherInbox);
        Subscription second = connect("replica-b").subscribe(
                SubscriptionConfig.forQueue(queue, OrderPlaced.class).build(), otherInbox.handler("order-store", slow));
        toClose.add(second);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> first.stats().consumingChannels() == 1 && second.stats().consumingChannels() == 1);

        OutboundMessage message = order("o-4");
        publisher.publishAndWait(message);
        publisher.publishAndWait(message);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> first.stats().inFlight() + second.stats().inFlight() == 2);
        release.countDown();

        await().atMost(Duration.ofSeconds(20)).until(() -> first.stats().acked() + second.stats().acked() == 2);
        assertThat(runs).as("the duplicate waited on the id's row, then saw it committed").hasValue(1);
        assertThat(orders()).isEqualTo(1);
    }

    @Test
    void aMessageWithoutAMessageIdIsDeadLetteredBecauseItCannotBeDeduplicated() {
        AtomicInteger runs = new AtomicInteger();
        Subscription subscription = subscribe(rabbit, (order, meta, tx) -> runs.incrementAndGet());
        broker.withChannel(ch -> {
            ch.basicPublish(exchange, "order.placed", new AMQP.BasicProperties.Builder().type("order.placed.v1")
                    .contentType("application/json").build(),
                    "{\"orderId\":\"o-5\",\"customerId\":\"c\"}".getBytes(StandardCharsets.UTF_8));
            return null;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> subscription.stats().deadLettered() == 1);
        assertThat(runs).hasValue(0);
    }

    @Test
    void processedIdsAreDeletedAfterTheRetention() throws Exception {
        Db.execute(dataSource, "insert into microkit_inbox (consumer, message_id, processed_at)"
                + " values ('order-store', 'old', current_timestamp - interval '8' day)");
        Db.execute(dataSource, "insert into microkit_inbox (consumer, message_id) values ('order-store', 'recent')");
        assertThat(inbox.purgeExpired()).isEqualTo(1);
        assertThat(inbox.processed("order-store", "old")).isFalse();
        assertThat(inbox.processed("order-store", "recent")).isTrue();

        assertThatThrownBy(() -> InboxConfig.builder().retention(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than any redelivery");
        assertThatThrownBy(() -> inbox.handler(" ", (o, m, tx) -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
