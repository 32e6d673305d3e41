package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.microkit.health.Health;
import io.github.microkit.health.HealthStatus;
import io.github.microkit.testing.rabbitmq.PrivateRabbitNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The consumer when the broker misbehaves, on a private node the test may cut off. */
class ConsumerFailureIT {

    @RegisterExtension
    static final PrivateRabbitNode node = PrivateRabbitNode.create();

    private Rabbit rabbit;
    private Publisher publisher;
    private String exchange;
    private QueueSpec spec;
    private Topology topology;

    @BeforeEach
    void connect() {
        rabbit = Rabbit.connect(RabbitConfig.builder().uri(node.uri()).connectionName("consumer-failure-it")
                .recoveryInterval(Duration.ofSeconds(1)).build());
        String id = UUID.randomUUID().toString().substring(0, 8);
        exchange = "orders-" + id;
        spec = QueueSpec.quorum("orders.placed-" + id).build();
        topology = Topology.builder()
                .exchange(exchange, ExchangeType.TOPIC)
                .queue(spec)
                .bind(exchange, spec.name(), "order.placed")
                .build();
        rabbit.declare(topology);
        publisher = rabbit.publisher();
    }

    @AfterEach
    void close() {
        rabbit.close();
    }

    private void publish(int from, int to) {
        for (int i = from; i < to; i++) {
            publisher.publishAndWait(OutboundMessage.to(exchange, "order.placed")
                    .payload(new ConsumerIT.OrderPlaced("o-" + i, "c", 1)).build());
        }
    }

    @Test
    void consumptionResumesByItselfAfterAConnectionCutAndHealthReportsTheGap() {
        Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
        Subscription sub = rabbit.subscribe(SubscriptionConfig.forQueue(spec, ConsumerIT.OrderPlaced.class)
                .concurrency(2).deduplicator(Deduplicator.inMemory()).build(),
                (order, meta) -> processed.computeIfAbsent(order.orderId(), k -> new AtomicInteger()).incrementAndGet());
        publish(0, 100);
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.size() == 100);
        assertThat(sub.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

        // watch health as a readiness probe would, every 10 ms
        Set<HealthStatus> seen = ConcurrentHashMap.newKeySet();
        ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor();
        probe.scheduleAtFixedRate(() -> seen.add(sub.healthCheck().check().status()), 0, 10, TimeUnit.MILLISECONDS);
        try {
            node.closeAllConnections();
            await().atMost(Duration.ofSeconds(30)).until(() -> sub.consuming() && sub.stats().interruptions() == 1);
        } finally {
            probe.shutdownNow();
        }

        publish(100, 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.size() == 200);
        assertThat(seen).as("health said so while nothing consumed").contains(HealthStatus.DOWN);
        Health after = sub.healthCheck().check();
        assertThat(after.status()).isEqualTo(HealthStatus.UP);
        assertThat(after.facts()).containsEntry("interruptions", 1L).containsKey("lastInterruption");
        assertThat(processed.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    }

    @Test
    void consumerCancelledByTheBrokerConsumesAgainOnceItsQueueIsBack() {
        AtomicInteger processed = new AtomicInteger();
        Subscription sub = rabbit.subscribe(SubscriptionConfig.forQueue(spec, ConsumerIT.OrderPlaced.class)
                .resubscribeBackoff(Duration.ofMillis(200)).build(), (order, meta) -> processed.incrementAndGet());
        publish(0, 10);
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.get() == 10);

        node.rabbitmqctl("delete_queue", spec.name()); // the broker cancels every consumer of a deleted queue
        await().atMost(Duration.ofSeconds(10)).until(() -> !sub.consuming());
        assertThat(sub.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);

        rabbit.declare(topology);
        await().atMost(Duration.ofSeconds(10)).until(sub::consuming);
        publish(10, 20);
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.get() == 20);
        assertThat(sub.stats().resubscribed()).isGreaterThanOrEqualTo(1);
        assertThat(sub.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
    }

    @Test
    void aBatchWaitingWhenTheConnectionIsCutIsDroppedWithoutAnAckAndComesBackByRedelivery() throws Exception {
        // "held" is admitted only when the test says so: until then its channel cannot flush, and "waiting" stays in
        // the batch buffer however long the cut takes
        CountDownLatch claimWaits = new CountDownLatch(1);
        CountDownLatch releaseClaim = new CountDownLatch(1);
        Deduplicator memory = Deduplicator.inMemory();
        AtomicBoolean held = new AtomicBoolean();
        Deduplicator gated = new Deduplicator() {
            @Override
            public Claim claim(String messageId) {
                if (messageId.startsWith("held-") && held.compareAndSet(false, true)) {
                    claimWaits.countDown();
                    try {
                        releaseClaim.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return memory.claim(messageId);
            }

            @Override
            public void complete(String messageId) {
                memory.complete(messageId);
            }

            @Override
            public void release(String messageId) {
                memory.release(messageId);
            }
        };
        Map<String, List<Boolean>> handled = new ConcurrentHashMap<>();
        Subscription sub = rabbit.subscribeBatches(SubscriptionConfig.forQueue(spec, ConsumerIT.OrderPlaced.class)
                .batchSize(100).batchWait(Duration.ofSeconds(1)).deduplicator(gated).build(),
                batch -> batch.forEach(m -> handled.computeIfAbsent(m.payload().orderId(),
                        k -> new CopyOnWriteArrayList<>()).add(m.metadata().redelivered())));
        // published together: "held" arrives while "waiting" is in the buffer, long before the batch wait is over
        CompletableFuture.allOf(
                publisher.publish(OutboundMessage.to(exchange, "order.placed")
                        .payload(new ConsumerIT.OrderPlaced("waiting", "c", 1)).build()),
                publisher.publish(OutboundMessage.to(exchange, "order.placed")
                        .payload(new ConsumerIT.OrderPlaced("held", "c", 1)).messageId("held-" + UUID.randomUUID())
                        .build())).join();
        assertThat(claimWaits.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sub.stats().inFlight()).as("one buffered, one being admitted").isEqualTo(2);

        node.closeAllConnections();
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().interruptions() == 1);
        releaseClaim.countDown();

        await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 2 && sub.consuming());
        assertThat(handled).as("handled once each, after the redelivery")
                .containsEntry("waiting", List.of(true)).containsEntry("held", List.of(true));
        assertThat(sub.stats().inFlight()).isZero();
        assertThat(sub.stats().duplicatesSkipped()).as("the dropped batch released its claims").isZero();
    }
}
