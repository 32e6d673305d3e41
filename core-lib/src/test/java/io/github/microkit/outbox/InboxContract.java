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
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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

    private Subscription subscribeBatches(Rabbit on, Inbox in, SubscriptionConfig<OrderPlaced> config,
            InboxHandler<OrderPlaced> handler) {
        Subscription s = on.subscribeBatches(config, in.batchHandler("order-store", handler));
        toClose.add(s);
        return s;
    }

    /** Publishes every message, then waits until the queue holds them: a subscription then finds full batches. */
    private void prefill(List<OutboundMessage> messages) {
        for (OutboundMessage m : messages) {
            publisher.publishAndWait(m);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(queue.name()) == messages.size());
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
    void aBatchRunsTheHandlerOnceForEachNewIdInOneTransactionAndSkipsRecordedAndRepeatedIds() {
        OutboundMessage recordedBefore = order("o-old");
        Db.execute(dataSource, "insert into microkit_inbox (consumer, message_id) values ('order-store', '"
                + recordedBefore.messageId() + "')");
        OutboundMessage repeated = order("o-b");
        prefill(List.of(recordedBefore, order("o-a"), repeated, repeated, order("o-c")));
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        Set<Connection> transactions = Collections.newSetFromMap(new IdentityHashMap<>());
        Subscription subscription = subscribeBatches(rabbit, inbox, SubscriptionConfig.forQueue(queue,
                OrderPlaced.class).batchSize(5).batchWait(Duration.ofSeconds(1)).build(), (order, meta, tx) -> {
                    runs.computeIfAbsent(order.orderId(), k -> new AtomicInteger()).incrementAndGet();
                    synchronized (transactions) {
                        transactions.add(tx);
                    }
                    storeOrder(tx, order.orderId(), "stored");
                });

        await().atMost(Duration.ofSeconds(10)).until(() -> subscription.stats().acked() == 5);
        assertThat(runs.keySet()).containsExactlyInAnyOrder("o-a", "o-b", "o-c");
        assertThat(runs.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(transactions).as("the batch of five shared one transaction").hasSize(1);
        assertThat(orders()).isEqualTo(3);
        assertThat(Db.count(dataSource, "select count(*) from microkit_inbox")).isEqualTo(4);
        assertThat(subscription.stats().handlerFailures()).isZero();
    }

    @Test
    void aHandlerFailureRollsBackTheWholeBatchThenEachMessageRunsAloneSoOnlyTheFailingOneIsDeadLettered() {
        List<OutboundMessage> messages = List.of(order("o-1"), order("o-2"), order("o-bad"), order("o-3"));
        prefill(messages);
        Map<String, List<Long>> committedRowsSeenBy = new ConcurrentHashMap<>();
        Subscription subscription = subscribeBatches(rabbit, inbox, SubscriptionConfig.forQueue(queue,
                OrderPlaced.class).batchSize(4).batchWait(Duration.ofSeconds(1)).build(), (order, meta, tx) -> {
                    // what other transactions see: nothing of a batch that rolled back
                    committedRowsSeenBy.computeIfAbsent(order.orderId(), k -> new CopyOnWriteArrayList<>())
                            .add(Db.count(dataSource, "select count(*) from microkit_inbox"));
                    storeOrder(tx, order.orderId(), "stored"); // a second insert of one id would fail: no silent repeat
                    if (order.orderId().equals("o-bad")) {
                        throw new NonRetryableException("order o-bad has no items");
                    }
                });

        await().atMost(Duration.ofSeconds(10)).until(() -> subscription.stats().acked() == 4);
        assertThat(committedRowsSeenBy.get("o-1")).as("in the batch, then alone with nothing committed yet")
                .containsExactly(0L, 0L);
        assertThat(committedRowsSeenBy.get("o-2")).as("alone after o-1 committed").containsExactly(0L, 1L);
        assertThat(committedRowsSeenBy.get("o-bad")).hasSize(2);
        assertThat(committedRowsSeenBy.get("o-3")).as("never reached in the batch; alone once").hasSize(1);
        assertThat(subscription.stats().deadLettered()).isEqualTo(1);
        assertThat(subscription.stats().retried()).isZero();
        assertThat(orders()).isEqualTo(3);
        assertThat(inbox.processed("order-store", messages.get(2).messageId())).isFalse();
        for (OutboundMessage stored : List.of(messages.get(0), messages.get(1), messages.get(3))) {
            assertThat(inbox.processed("order-store", stored.messageId())).isTrue();
        }
    }

    @Test
    void aMessageWithoutAMessageIdInABatchIsDeadLetteredAloneAndTheOthersAreStored() {
        publisher.publishAndWait(order("o-1"));
        broker.withChannel(ch -> {
            ch.basicPublish(exchange, "order.placed", new AMQP.BasicProperties.Builder().type("order.placed.v1")
                    .contentType("application/json").build(),
                    "{\"orderId\":\"o-anonymous\",\"customerId\":\"c\"}".getBytes(StandardCharsets.UTF_8));
            return null;
        });
        publisher.publishAndWait(order("o-2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(queue.name()) == 3);
        AtomicInteger runs = new AtomicInteger();
        Subscription subscription = subscribeBatches(rabbit, inbox, SubscriptionConfig.forQueue(queue,
                OrderPlaced.class).batchSize(3).batchWait(Duration.ofSeconds(1)).build(), (order, meta, tx) -> {
                    runs.incrementAndGet();
                    storeOrder(tx, order.orderId(), "stored");
                });

        await().atMost(Duration.ofSeconds(10)).until(() -> subscription.stats().acked() == 3);
        assertThat(subscription.stats().deadLettered()).isEqualTo(1);
        assertThat(runs).as("the batch failed before any handler ran; then o-1 and o-2 alone").hasValue(2);
        assertThat(orders()).isEqualTo(2);
    }

    @Test
    void concurrentBatchesOfTwoReplicasOnTheSameIdsNeverRunTheHandlerTwiceForOneId() {
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        InboxHandler<OrderPlaced> store = (order, meta, tx) -> {
            runs.computeIfAbsent(order.orderId(), k -> new AtomicInteger()).incrementAndGet();
            storeOrder(tx, order.orderId(), "stored");
        };
        SubscriptionConfig<OrderPlaced> config = SubscriptionConfig.forQueue(queue, OrderPlaced.class).prefetch(40)
                .concurrency(2).batchSize(20).build();
        // two replicas: their own broker connections and their own pools on the same database
        Subscription first = subscribeBatches(rabbit, inbox, config, store);
        Inbox otherInbox = Inbox.create(database().newDataSource(4));
        toClose.add(otherInbox);
        Subscription second = subscribeBatches(connect("replica-b"), otherInbox, config, store);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> first.stats().consumingChannels() == 2 && second.stats().consumingChannels() == 2);

        int orders = 300;
        for (int i = 0; i < orders; i++) {
            OutboundMessage message = order("o-" + i);
            publisher.publish(message);
            publisher.publish(message); // its duplicate, right behind it: most likely in another channel's batch
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> first.stats().acked() + second.stats().acked() == 2L * orders);
        assertThat(runs).hasSize(orders);
        assertThat(runs.values()).as("a duplicate waited on its id's row, then saw it committed")
                .allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(orders()).isEqualTo(orders);
        assertThat(first.stats().acked()).as("both replicas took part").isPositive();
        assertThat(second.stats().acked()).isPositive();
        assertThat(first.stats().handlerFailures() + second.stats().handlerFailures()).isZero();
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
        assertThatThrownBy(() -> inbox.batchHandler("x".repeat(256), (o, m, tx) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 255 characters");
    }
}
