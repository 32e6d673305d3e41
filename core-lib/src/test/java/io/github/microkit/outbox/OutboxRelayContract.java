package io.github.microkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.GetResponse;
import io.github.microkit.health.HealthStatus;
import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.MessageHeaders;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.PublisherConfig;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.messaging.Topology;
import io.github.microkit.testing.database.TestDatabase;
import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import io.github.microkit.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The outbox and its relay against a real broker, on each database ({@code OutboxRelayPostgresIT},
 * {@code OutboxRelayH2IT}): what commits is published once with confirms, what rolls back never is, several relays
 * share the work without duplicates and keep each ordering key's order.
 */
abstract class OutboxRelayContract {

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    abstract TestDatabase database();

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private DataSource dataSource;
    private Rabbit rabbit;
    private String exchange;
    private String queue;
    private final Outbox outbox = Outbox.create(OutboxConfig.builder().appId("orders-service").build());

    record OrderPlaced(String orderId, int sequence) {
    }

    @BeforeEach
    void setUp() {
        dataSource = database().dataSource();
        Db.reset(dataSource);
        rabbit = Rabbit.connect(RabbitConfig.builder().uri(broker.uri()).connectionName("outbox-it").build());
        toClose.add(rabbit);
        exchange = broker.uniqueName("orders");
        queue = broker.uniqueName("orders.placed");
        rabbit.declare(Topology.builder()
                .exchange(exchange, ExchangeType.TOPIC)
                .queue(QueueSpec.classic(queue).build())
                .bind(exchange, queue, "order.#")
                .build());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private OutboxRelay relay(OutboxRelayConfig.Builder config) {
        Publisher publisher = rabbit.publisher(PublisherConfig.builder().appId("relay-app").build());
        toClose.add(publisher);
        OutboxRelay relay = OutboxRelay.start(dataSource, publisher, config.build());
        toClose.add(relay);
        return relay;
    }

    private static OutboxRelayConfig.Builder fastRelay() {
        return OutboxRelayConfig.builder().pollInterval(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
    }

    private OutboundMessage order(String orderId, int sequence) {
        return OutboundMessage.to(exchange, "order.placed").payload(new OrderPlaced(orderId, sequence))
                .type("order.placed.v1").build();
    }

    private List<GetResponse> drain(int expected) {
        List<GetResponse> all = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            broker.withChannel(ch -> {
                GetResponse r;
                while ((r = ch.basicGet(queue, true)) != null) {
                    all.add(r);
                }
                return null;
            });
            return all.size() >= expected;
        });
        return all;
    }

    private long pending() {
        return Db.count(dataSource, "select count(*) from microkit_outbox where sent_at is null");
    }

    @Test
    void rowsAppendedInARolledBackTransactionAreNeverPublished() throws Exception {
        OutboxRelay relay = relay(fastRelay());
        OutboundMessage rolledBack = order("o-rolled-back", 1);
        OutboundMessage committed = order("o-committed", 1);
        assertThatThrownBy(() -> Db.inTransaction(dataSource, tx -> {
            Db.execute(dataSource, "select 1");
            outbox.append(tx, rolledBack);
            throw new IllegalStateException("the business write failed");
        })).hasMessageContaining("business write failed");
        Db.inTransaction(dataSource, tx -> outbox.append(tx, committed));

        List<GetResponse> delivered = drain(1);
        // the committed one came after the rolled-back one: had the latter been published, it would be here too
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.stats().published() == 1);
        assertThat(delivered).extracting(r -> r.getProps().getMessageId()).containsExactly(committed.messageId());
        assertThat(Db.count(dataSource, "select count(*) from microkit_outbox")).isEqualTo(1);
        assertThat(broker.messageCount(queue)).isZero();
    }

    @Test
    void appendNeedsTheCallersTransactionAndNeverCommitsIt() throws Exception {
        try (var connection = dataSource.getConnection()) {
            assertThatThrownBy(() -> outbox.append(connection, order("o-1", 1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("auto-commit");
            connection.setAutoCommit(false);
            outbox.append(connection, order("o-1", 1));
            assertThat(pending()).as("not visible before the caller commits").isZero();
            connection.rollback();
            connection.setAutoCommit(true);
        }
        assertThat(pending()).isZero();
    }

    @Test
    void committedRowsArePublishedWithConfirmsAndMarkedSent_landingWithEveryContractHeader() {
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        OutboxRelay relay = relay(fastRelay().metrics(MicrometerOutboxMetrics.of(registry)));
        TraceContext trace = TraceContext.newRoot();
        OutboundMessage message = OutboundMessage.from(order("o-42", 1)).trace(trace).correlationId("corr-42")
                .header("x-tenant", "acme").header("x-priority", 7).build();
        Instant before = Instant.now().minusSeconds(1);
        long id = Db.inTransaction(dataSource, tx -> {
            Db.execute(dataSource, "select 1");
            tx.createStatement().execute("insert into test_order (id) values ('o-42')");
            return outbox.append(tx, message, "o-42");
        });

        GetResponse got = drain(1).get(0);
        var props = got.getProps();
        assertThat(props.getMessageId()).isEqualTo(message.messageId());
        assertThat(props.getCorrelationId()).isEqualTo("corr-42");
        assertThat(props.getType()).isEqualTo("order.placed.v1");
        assertThat(props.getContentType()).isEqualTo("application/json");
        assertThat(props.getDeliveryMode()).isEqualTo(2);
        assertThat(props.getAppId()).as("the app that appended, from the row").isEqualTo("orders-service");
        assertThat(props.getTimestamp().toInstant()).isAfterOrEqualTo(before.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        Map<String, Object> headers = props.getHeaders();
        assertThat(headers.get(MessageHeaders.TRACEPARENT).toString()).isEqualTo(trace.traceparent());
        assertThat(headers.get(MessageHeaders.PUBLISHER_ID).toString()).isNotBlank();
        assertThat(headers.get(MessageHeaders.PUBLISHER_SEQ)).isInstanceOf(Number.class);
        assertThat(((Number) headers.get(MessageHeaders.ATTEMPT)).intValue()).isEqualTo(1);
        assertThat(headers.get("x-tenant").toString()).isEqualTo("acme");
        assertThat(((Number) headers.get("x-priority")).intValue()).isEqualTo(7);
        assertThat(new String(got.getBody(), StandardCharsets.UTF_8))
                .isEqualTo("{\"orderId\":\"o-42\",\"sequence\":1}");

        await().atMost(Duration.ofSeconds(10)).until(() -> Db.count(dataSource,
                "select count(*) from microkit_outbox where id = ? and sent_at is not null", id) == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> relay.stats().published() == 1);
        assertThat(relay.health().check().status()).isEqualTo(HealthStatus.UP);
        assertThat(registry.get("microkit.outbox.published").counter().count()).isEqualTo(1.0);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> registry.get("microkit.outbox.backlog").gauge().value() == 0.0);
    }

    @Test
    void twoRelaysPublish2000RowsWithNoDuplicatesAndEachOrderingKeysOrderKept() {
        int keys = 50;
        int perKey = 40;
        // two "replicas", each with its own connection pool and its own broker connection
        OutboxRelay first = relay(fastRelay().batchSize(100).relayId("relay-a"));
        Rabbit otherRabbit = Rabbit.connect(RabbitConfig.builder().uri(broker.uri()).connectionName("replica-b").build());
        toClose.add(otherRabbit);
        Publisher otherPublisher = otherRabbit.publisher();
        toClose.add(otherPublisher);
        DataSource otherPool = database().newDataSource(5);
        OutboxRelay second = OutboxRelay.start(otherPool, otherPublisher, fastRelay().batchSize(100)
                .relayId("relay-b").build());
        toClose.add(second);

        // appended in transactions of 20 rows while both relays run, keys interleaved
        for (int batch = 0; batch < keys * perKey / 20; batch++) {
            int start = batch * 20;
            Db.inTransaction(dataSource, tx -> {
                for (int n = start; n < start + 20; n++) {
                    int key = n % keys;
                    int sequence = n / keys;
                    outbox.append(tx, order("order-" + key, sequence), "order-" + key);
                }
                return null;
            });
        }

        List<GetResponse> delivered = drain(keys * perKey);
        await().atMost(Duration.ofSeconds(30)).until(() -> pending() == 0);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> first.stats().published() + second.stats().published() == keys * perKey);
        assertThat(delivered).hasSize(keys * perKey);
        Set<String> ids = new HashSet<>();
        Map<String, Integer> lastSequence = new HashMap<>();
        for (GetResponse r : delivered) {
            assertThat(ids.add(r.getProps().getMessageId())).as("duplicate %s", r.getProps().getMessageId()).isTrue();
            String body = new String(r.getBody(), StandardCharsets.UTF_8);
            String key = body.replaceAll(".*\"orderId\":\"([^\"]+)\".*", "$1");
            int sequence = Integer.parseInt(body.replaceAll(".*\"sequence\":(\\d+).*", "$1"));
            int previous = lastSequence.getOrDefault(key, -1);
            assertThat(sequence).as("order of key %s", key).isEqualTo(previous + 1);
            lastSequence.put(key, sequence);
        }
        assertThat(lastSequence).hasSize(keys).allSatisfy((k, v) -> assertThat(v).isEqualTo(perKey - 1));
        assertThat(first.stats().published() + second.stats().published()).isEqualTo(keys * perKey);
        assertThat(first.stats().published()).as("both relays took part").isPositive();
        assertThat(second.stats().published()).as("both relays took part").isPositive();
    }

    @Test
    void unroutableRowStaysPendingWithItsErrorAndHealthDegradedUntilABindingExists() {
        OutboxRelay relay = relay(fastRelay().pollInterval(Duration.ofMillis(50)));
        OutboundMessage lost = OutboundMessage.to(exchange, "invoice.created").payload(new OrderPlaced("i-1", 1))
                .type("invoice.created.v1").build();
        long id = Db.inTransaction(dataSource, tx -> outbox.append(tx, lost));

        await().atMost(Duration.ofSeconds(10)).until(() -> Db.count(dataSource,
                "select count(*) from microkit_outbox where id = ? and attempts >= 2 and last_error like 'UNROUTABLE%'",
                id) == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> relay.stats().unroutable() == 1);
        assertThat(relay.health().check().status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(relay.health().check().detail()).contains("unroutable");
        assertThat(pending()).as("kept, never dropped").isEqualTo(1);

        String invoices = broker.uniqueName("invoices");
        rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.TOPIC)
                .queue(QueueSpec.classic(invoices).build()).bind(exchange, invoices, "invoice.#").build());
        await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0);
        assertThat(broker.messageCount(invoices)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> relay.health().check().status() == HealthStatus.UP);
    }

    @Test
    void sentRowsAreDeletedAfterTheirRetention() {
        OutboxRelay relay = relay(fastRelay().sentRetention(Duration.ofMillis(300))
                .cleanupInterval(Duration.ofMillis(100)));
        Db.inTransaction(dataSource, tx -> outbox.append(tx, order("o-1", 1)));
        drain(1);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Db.count(dataSource, "select count(*) from microkit_outbox") == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> relay.stats().published() == 1);
    }

    @Test
    void aCrashedRelaysRowsArePublishedAgainAfterItsLeaseAndTheInboxAbsorbsTheDuplicates() throws Exception {
        String stored = broker.uniqueName("orders.stored");
        QueueSpec storedQueue = QueueSpec.quorum(stored).build();
        rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.TOPIC).queue(storedQueue)
                .bind(exchange, stored, "order.#").build());
        // the first relay publishes, then "crashes" before any confirm arrives: its rows stay claimed for the lease
        Publisher frozen = new FreezingPublisher(rabbit.publisher());
        toClose.add(frozen);
        OutboxRelay crashing = OutboxRelay.start(dataSource, frozen, fastRelay().relayId("crashing")
                .leaseDuration(Duration.ofSeconds(2)).build());
        toClose.add(crashing);
        List<OutboundMessage> messages = new ArrayList<>();
        Db.inTransaction(dataSource, tx -> {
            for (int i = 0; i < 10; i++) {
                OutboundMessage m = order("o-" + i, 0);
                messages.add(m);
                outbox.append(tx, m, "o-" + i);
            }
            return null;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(stored) == 10);
        crashing.haltAsIfCrashed();
        assertThat(Db.count(dataSource, "select count(*) from microkit_outbox where claimed_by = 'crashing'"
                + " and sent_at is null")).as("still claimed by the dead relay").isEqualTo(10);

        OutboxRelay survivor = relay(fastRelay().relayId("survivor"));
        await().atMost(Duration.ofSeconds(15)).until(() -> pending() == 0);
        await("all ten again, after the lease").atMost(Duration.ofSeconds(5))
                .until(() -> survivor.stats().published() == 10);
        assertThat(broker.messageCount(stored)).isEqualTo(20);

        // the consumer's inbox stores each order once: the second copies are acked without running the handler
        Inbox inbox = Inbox.create(dataSource);
        toClose.add(inbox);
        java.util.concurrent.atomic.AtomicInteger handled = new java.util.concurrent.atomic.AtomicInteger();
        var subscription = rabbit.subscribe(
                io.github.microkit.messaging.SubscriptionConfig.forQueue(storedQueue, OrderPlaced.class).build(),
                inbox.handler("order-store", (order, meta, tx) -> {
                    handled.incrementAndGet();
                    try (var ps = tx.prepareStatement("insert into test_order (id) values (?)")) {
                        ps.setString(1, order.orderId());
                        ps.executeUpdate();
                    }
                }));
        toClose.add(subscription);
        await().atMost(Duration.ofSeconds(15)).until(() -> subscription.stats().acked() == 20);
        assertThat(handled).hasValue(10);
        assertThat(Db.count(dataSource, "select count(*) from test_order")).isEqualTo(10);
        assertThat(Db.count(dataSource, "select count(*) from microkit_inbox where consumer = 'order-store'"))
                .isEqualTo(10);
        for (OutboundMessage m : messages) {
            assertThat(inbox.processed("order-store", m.messageId())).isTrue();
        }
    }
}
