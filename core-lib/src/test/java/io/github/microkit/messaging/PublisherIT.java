package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.GetResponse;
import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The publisher against the real broker: what a confirm means, and every way a publish can fail loudly. */
class PublisherIT {

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    record OrderPlaced(String orderId, String customerId, int quantity) {
    }

    private Rabbit rabbit;
    private String exchange;
    private String queue;

    @BeforeEach
    void declareTopology() {
        rabbit = Rabbit.connect(RabbitConfig.builder().uri(broker.uri()).connectionName("publisher-it").build());
        exchange = broker.uniqueName("orders");
        queue = broker.uniqueName("orders.placed");
        rabbit.declare(Topology.builder()
                .exchange(exchange, ExchangeType.TOPIC)
                .queue(QueueSpec.quorum(queue))
                .bind(exchange, queue, "order.placed")
                .build());
    }

    @AfterEach
    void close() {
        rabbit.close();
    }

    @Test
    void confirmedPublishLandsInItsQueueCarryingEveryContractHeader() {
        Publisher publisher = rabbit.publisher(PublisherConfig.builder().appId("sample-producer").build());
        TraceContext trace = TraceContext.newRoot();

        PublishConfirm confirm;
        try (CurrentTrace.Scope ignored = CurrentTrace.open(trace)) {
            confirm = publisher.publishAndWait(OutboundMessage.to(exchange, "order.placed")
                    .payload(new OrderPlaced("o-1", "c-42", 2))
                    .type("order.placed.v1")
                    .build());
        }

        GetResponse got = broker.withChannel(ch -> ch.basicGet(queue, true));
        assertThat(got).as("the confirmed message is in the queue").isNotNull();
        assertThat(new String(got.getBody(), StandardCharsets.UTF_8))
                .isEqualTo("{\"orderId\":\"o-1\",\"customerId\":\"c-42\",\"quantity\":2}");
        var props = got.getProps();
        assertThat(props.getMessageId()).isEqualTo(confirm.messageId()).matches("[0-9a-f-]{36}");
        assertThat(props.getCorrelationId()).isEqualTo(confirm.messageId());
        assertThat(props.getTimestamp()).isNotNull();
        assertThat(props.getContentType()).isEqualTo("application/json");
        assertThat(props.getType()).isEqualTo("order.placed.v1");
        assertThat(props.getDeliveryMode()).isEqualTo(2);
        assertThat(props.getAppId()).isEqualTo("sample-producer");
        Map<String, Object> headers = props.getHeaders();
        assertThat(String.valueOf(headers.get("traceparent")))
                .as("the message carries the current trace, with a span of its own")
                .startsWith("00-" + trace.traceId() + "-")
                .doesNotContain(trace.spanId());
        assertThat(String.valueOf(headers.get("x-publisher-id"))).isEqualTo(publisher.publisherId());
        assertThat(((Number) headers.get("x-publisher-seq")).longValue()).isEqualTo(confirm.publisherSeq());
        assertThat(((Number) headers.get("x-attempt")).intValue()).isEqualTo(1);
    }

    @Test
    void unroutablePublishFailsItsFutureNamingExchangeAndRoutingKey() {
        Publisher publisher = rabbit.publisher();

        CompletableFuture<PublishConfirm> future = publisher.publish(OutboundMessage.to(exchange, "order.cancelled")
                .payload(new OrderPlaced("o-2", "c-1", 1)).build());

        assertThat(future).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingCause()
                .isInstanceOfSatisfying(PublishException.class, e -> {
                    assertThat(e.reason()).isEqualTo(PublishException.Reason.UNROUTABLE);
                    assertThat(e.exchange()).isEqualTo(exchange);
                    assertThat(e.routingKey()).isEqualTo("order.cancelled");
                    assertThat(e.retryable()).isFalse();
                })
                .withMessageContaining(exchange).withMessageContaining("order.cancelled");
        assertThat(broker.messageCount(queue)).isZero();
        assertThat(publisher.inFlight()).isZero();
    }

    @Test
    void eightThreadsPublishingTenThousandEachAreAllConfirmedAndAllInTheQueue() throws Exception {
        Publisher publisher = rabbit.publisher();
        int threads = 8;
        int perThread = 10_000;
        byte[] body = new byte[1024];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<CompletableFuture<PublishConfirm>>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    List<CompletableFuture<PublishConfirm>> futures = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        futures.add(publisher.publish(OutboundMessage.to(exchange, "order.placed")
                                .body(body, "application/octet-stream").build()));
                    }
                    return futures;
                }));
            }
            List<CompletableFuture<PublishConfirm>> all = new ArrayList<>();
            for (Future<List<CompletableFuture<PublishConfirm>>> r : results) {
                all.addAll(r.get(5, TimeUnit.MINUTES));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
            assertThat(all).hasSize(threads * perThread).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
            assertThat(all.stream().map(f -> f.join().publisherSeq()).distinct().count())
                    .as("every message got its own sequence number").isEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(broker.messageCount(queue)).isEqualTo(80_000L));
    }

    @Test
    void eachThreadsMessagesArriveInTheOrderItPublishedThemWhileThreadsShareSeveralChannels() throws Exception {
        // callers are spread over channels, but each thread always uses the same one: its order holds
        Publisher publisher = rabbit.publisher(PublisherConfig.builder().channels(3).build());
        int threads = 6;
        int perThread = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<CompletableFuture<PublishConfirm>>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    List<CompletableFuture<PublishConfirm>> futures = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        futures.add(publisher.publish(OutboundMessage.to(exchange, "order.placed")
                                .body((thread + ":" + i).getBytes(StandardCharsets.UTF_8), "text/plain").build()));
                    }
                    return futures;
                }));
            }
            List<CompletableFuture<PublishConfirm>> all = new ArrayList<>();
            for (Future<List<CompletableFuture<PublishConfirm>>> r : results) {
                all.addAll(r.get(2, TimeUnit.MINUTES));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        int[] next = broker.withChannel(ch -> {
            int[] expected = new int[threads];
            for (int n = 0; n < threads * perThread; n++) {
                GetResponse got = ch.basicGet(queue, true);
                assertThat(got).as("message %d of %d is in the queue", n + 1, threads * perThread).isNotNull();
                String[] parts = new String(got.getBody(), StandardCharsets.UTF_8).split(":");
                int thread = Integer.parseInt(parts[0]);
                assertThat(Integer.parseInt(parts[1])).as("next message of thread %d", thread)
                        .isEqualTo(expected[thread]);
                expected[thread]++;
            }
            return expected;
        });
        assertThat(next).containsOnly(perThread);
        assertThat(publisher.inFlight()).isZero();
    }

    @Test
    void emptyExchangeNameIsRefusedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> OutboundMessage.to("", "order.placed"))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("exchange name is empty")
                .hasMessageContaining("toQueue");
    }

    @Test
    void blankRoutingKeyForATopicExchangeIsRefusedBeforeAnythingIsSent() {
        Publisher publisher = rabbit.publisher();

        assertThatThrownBy(() -> publisher.publish(OutboundMessage.to(exchange, " ")
                .payload(new OrderPlaced("o", "c", 1)).build()))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("routing key is blank")
                .hasMessageContaining("topic exchange '" + exchange + "'");
        assertThat(publisher.inFlight()).isZero();
        assertThat(broker.messageCount(queue)).isZero();
    }

    static final class NotSerializable {
        private final Object self = this; // no getters: Jackson has nothing to write

        @Override
        public String toString() {
            return "NotSerializable" + self.hashCode();
        }
    }

    @Test
    void payloadJacksonCannotSerializeIsRefusedNamingItsType() {
        Publisher publisher = rabbit.publisher();

        assertThatThrownBy(() -> publisher.publish(OutboundMessage.to(exchange, "order.placed")
                .payload(new NotSerializable()).build()))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining(NotSerializable.class.getName())
                .hasMessageContaining("cannot be encoded as JSON");
        assertThat(broker.messageCount(queue)).isZero();
    }

    @Test
    void messageOverTheSizeLimitIsRefusedAndTheChannelKeepsWorking() {
        Publisher publisher = rabbit.publisher(PublisherConfig.builder().maxMessageSize(64 * 1024).build());

        assertThatThrownBy(() -> publisher.publish(OutboundMessage.to(exchange, "order.placed")
                .body(new byte[64 * 1024 + 1], "application/octet-stream").build()))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("65537 bytes, over the limit of 65536 bytes");
        assertThat(broker.messageCount(queue)).isZero();

        publisher.publishAndWait(OutboundMessage.to(exchange, "order.placed").payload(new OrderPlaced("o", "c", 1)).build());
        assertThat(broker.messageCount(queue)).isEqualTo(1);
    }

    @Test
    void exchangeThatDoesNotExistIsReportedForThatMessageAlone() {
        Publisher publisher = rabbit.publisher();

        assertThatThrownBy(() -> publisher.publish(OutboundMessage.to(exchange + "-typo", "order.placed")
                .payload(new OrderPlaced("o", "c", 1)).build()))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("Exchange '" + exchange + "-typo' does not exist");

        publisher.publishAndWait(OutboundMessage.to(exchange, "order.placed").payload(new OrderPlaced("o", "c", 1)).build());
        assertThat(broker.messageCount(queue)).isEqualTo(1);
    }

    @Test
    void verifyOnlyModeReportsAQueueDeclaredWithTheWrongType() {
        String classic = broker.uniqueName("legacy");
        broker.withChannel(ch -> ch.queueDeclare(classic, true, false, false, Map.of()));
        String missing = broker.uniqueName("missing");

        Topology expected = Topology.builder()
                .exchange(exchange, ExchangeType.TOPIC)
                .queue(QueueSpec.quorum(classic))
                .queue(QueueSpec.classic(missing))
                .bind(exchange, classic, "legacy")
                .build();

        assertThatThrownBy(() -> rabbit.verify(expected))
                .isInstanceOfSatisfying(TopologyMismatchException.class, e -> assertThat(e.mismatches())
                        .anySatisfy(m -> assertThat(m).startsWith("queue '" + classic + "' differs in type (x-queue-type)"))
                        .anySatisfy(m -> assertThat(m).isEqualTo("queue '" + missing + "' is missing"))
                        .anySatisfy(m -> assertThat(m).isEqualTo("exchange '" + classic + ".dlx' is missing")));
        assertThat(broker.withChannel(ch -> ch.queueDeclarePassive(classic)).getQueue())
                .as("verify changed nothing").isEqualTo(classic);
    }

    @Test
    void verifyOnlyModePassesForTheDeclaredTopologyAndForAPlainClassicQueue() {
        String plain = broker.uniqueName("plain");
        broker.withChannel(ch -> ch.queueDeclare(plain, true, false, false, Map.of()));
        Topology same = Topology.builder()
                .exchange(exchange, ExchangeType.TOPIC)
                .queue(QueueSpec.quorum(queue))
                .queue(QueueSpec.classic(plain))
                .bind(exchange, queue, "order.placed")
                .build();

        rabbit.verify(same);
    }
}
