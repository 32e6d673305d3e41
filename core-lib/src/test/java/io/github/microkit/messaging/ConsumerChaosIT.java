package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.microkit.testing.rabbitmq.PrivateRabbitNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proof of no loss: 20,000 messages from two publishers while every connection is cut five times and the node
 * restarts once. Each confirmed message must be processed exactly once, one at a time and in batches.
 */
class ConsumerChaosIT {

    @RegisterExtension
    static final PrivateRabbitNode node = PrivateRabbitNode.create();

    private static final int TOTAL = 20_000;
    private static final int MAX_OUTSTANDING = 1_000;

    record ChaosOrder(String orderId, int n) {
    }

    private enum Chaos { CUT, RESTART }

    private static final java.util.concurrent.atomic.AtomicReference<RuntimeException> UNEXPECTED =
            new java.util.concurrent.atomic.AtomicReference<>();

    @Test
    void everyConfirmedMessageIsProcessedExactlyOnceThroughFiveConnectionCutsAndANodeRestart() throws Exception {
        chaos(false);
    }

    @Test
    void inBatchesEveryConfirmedMessageIsProcessedExactlyOnceThroughFiveConnectionCutsAndANodeRestart()
            throws Exception {
        // batches waiting or running when a connection goes are dropped unacked and come back by redelivery
        chaos(true);
    }

    private void chaos(boolean batches) throws Exception {
        String queue = batches ? "chaos.orders.batches" : "chaos.orders";
        RabbitConfig base = RabbitConfig.builder().uri(node.uri()).recoveryInterval(Duration.ofMillis(500))
                .connectRetry(30, Duration.ofMillis(200), Duration.ofSeconds(1)).build();
        Topology topology = Topology.builder()
                .exchange("chaos", ExchangeType.TOPIC)
                .queue(QueueSpec.quorum(queue).retryDelays(Duration.ofMillis(200)))
                .bind("chaos", queue, "order.placed")
                .build();
        QueueSpec spec = topology.queue(queue).orElseThrow();

        try (Rabbit producer = Rabbit.connect(RabbitConfig.from(base).connectionName("chaos-producer").build());
             Rabbit consumer = Rabbit.connect(RabbitConfig.from(base).connectionName("chaos-consumer").build())) {
            producer.declare(topology);
            consumer.declare(topology);

            Map<String, AtomicInteger> processed = new ConcurrentHashMap<>(); // by message id
            SubscriptionConfig<ChaosOrder> config = SubscriptionConfig.forQueue(spec, ChaosOrder.class)
                    .concurrency(4).prefetch(250).deduplicator(Deduplicator.inMemory(100_000, Duration.ofHours(1)))
                    .build();
            MessageHandler<ChaosOrder> handler = (order, meta) -> processed.computeIfAbsent(
                    meta.messageId().orElseThrow(), k -> new AtomicInteger()).incrementAndGet();
            Subscription sub = batches
                    ? consumer.subscribeBatches(config, batch -> {
                        for (InboundMessage<ChaosOrder> m : batch) {
                            handler.handle(m.payload(), m.metadata());
                        }
                    })
                    : consumer.subscribe(config, handler);

            List<Publisher> publishers = List.of(
                    producer.publisher(PublisherConfig.builder().confirmTimeout(Duration.ofSeconds(5)).build()),
                    producer.publisher(PublisherConfig.builder().confirmTimeout(Duration.ofSeconds(5)).build()));
            Set<String> confirmed = ConcurrentHashMap.newKeySet(); // message ids
            Map<String, Set<Long>> confirmedSeqs = new ConcurrentHashMap<>();
            publishers.forEach(p -> confirmedSeqs.put(p.publisherId(), ConcurrentHashMap.newKeySet()));
            AtomicLong failedAttempts = new AtomicLong();
            Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
            ScheduledExecutorService resend = Executors.newScheduledThreadPool(2);
            ExecutorService chaos = Executors.newSingleThreadExecutor();
            Map<Integer, Chaos> plan = Map.of(2_500, Chaos.CUT, 5_500, Chaos.CUT, 8_500, Chaos.RESTART,
                    11_500, Chaos.CUT, 14_500, Chaos.CUT, 17_500, Chaos.CUT);
            AtomicInteger cuts = new AtomicInteger();
            AtomicInteger restarts = new AtomicInteger();
            long started = System.nanoTime();
            try {
                Future<?> previous = null;
                for (int i = 0; i < TOTAL; i++) {
                    Chaos action = plan.get(i);
                    if (action != null) {
                        if (previous != null) {
                            previous.get(2, TimeUnit.MINUTES); // one disaster at a time
                        }
                        previous = chaos.submit(() -> {
                            // each disaster meets a consuming subscription, so each one is an interruption of its own
                            // (two cuts a recovery apart would otherwise count as one)
                            await().atMost(Duration.ofMinutes(1)).until(sub::consuming);
                            if (action == Chaos.CUT) {
                                node.closeAllConnections();
                                cuts.incrementAndGet();
                            } else {
                                node.restart();
                                restarts.incrementAndGet();
                            }
                        });
                    }
                    outstanding.acquire();
                    Publisher publisher = publishers.get(i % 2);
                    OutboundMessage message = OutboundMessage.to("chaos", "order.placed")
                            .payload(new ChaosOrder("o-" + i, i)).type("order.placed.v1").build();
                    send(publisher, message, 1, resend, confirmed, confirmedSeqs, failedAttempts, outstanding);
                }
                previous.get(2, TimeUnit.MINUTES);
                try {
                    await().atMost(Duration.ofMinutes(1)).until(() -> confirmed.size() == TOTAL);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    System.out.printf("chaos: stuck at confirmed=%d failed=%d processed=%d outstanding=%d inflight=%s first exception=%s%n",
                            confirmed.size(), failedAttempts.get(), processed.size(),
                            MAX_OUTSTANDING - outstanding.availablePermits(),
                            publishers.stream().map(Publisher::inFlight).toList(), UNEXPECTED.get());
                    if (UNEXPECTED.get() != null) {
                        UNEXPECTED.get().printStackTrace(System.out);
                    }
                    throw e;
                }
                try {
                    await().atMost(Duration.ofMinutes(1)).until(() -> processed.keySet().containsAll(confirmed));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    System.out.printf("chaos: consumer stuck at processed=%d stats=%s queue=%s health=%s%n",
                            processed.size(), sub.stats(), node.rabbitmqctl("list_queues", "-q", "name",
                                    "messages_ready", "messages_unacknowledged", "consumers"),
                            sub.healthCheck().check());
                    System.out.println(node.rabbitmqctl("list_consumers", "-q"));
                    System.out.println(node.rabbitmqctl("list_channels", "-q", "name", "consumer_count",
                            "messages_unacknowledged", "prefetch_count"));
                    Thread.getAllStackTraces().forEach((t, st) -> {
                        if (t.getName().startsWith("microkit") || t.getName().startsWith("AMQP")) {
                            System.out.println(t.getName() + " " + t.getState());
                            for (StackTraceElement el : st) {
                                System.out.println("    " + el);
                            }
                        }
                    });
                    throw e;
                }
                // settle: nothing left in the queue, unacked included, and no handler running
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                        .until(() -> queueDepth(queue) == 0 && sub.stats().inFlight() == 0);
            } finally {
                resend.shutdownNow();
                chaos.shutdownNow();
            }

            long lost = confirmed.stream().filter(id -> !processed.containsKey(id)).count();
            long processedTwice = processed.values().stream().filter(n -> n.get() > 1).count();
            Subscription.Stats stats = sub.stats();
            LossDetector.Report loss = sub.lossDetector().report();
            System.out.printf("chaos%s: sent=%d (confirmed; %d failed publish attempts republished) processed=%d lost=%d"
                            + " processed_twice=%d | cuts=%d restarts=%d interruptions=%d duplicates_skipped=%d"
                            + " | loss detector: seen=%d missing=%d duplicates=%d reordered=%d | %d s%n",
                    batches ? " in batches" : "", confirmed.size(), failedAttempts.get(), processed.size(), lost,
                    processedTwice, cuts.get(),
                    restarts.get(), stats.interruptions(), stats.duplicatesSkipped(), loss.seen(), loss.missing(),
                    loss.duplicates(), loss.reordered(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));

            assertThat(cuts).hasValue(5);
            assertThat(restarts).hasValue(1);
            assertThat(stats.interruptions()).as("the subscription saw every cut and the restart")
                    .isGreaterThanOrEqualTo(cuts.get() + restarts.get());
            assertThat(lost).isZero();
            assertThat(processedTwice).isZero();
            assertThat(processed).hasSize(TOTAL);
            // the detector agrees: every number the publishers had confirmed was seen; a gap can only be a publish
            // that failed (and was sent again under a new number)
            assertThat(loss.missing()).isLessThanOrEqualTo(failedAttempts.get());
            for (Publisher p : publishers) {
                LossDetector.PublisherReport r = loss.byPublisher().get(p.publisherId());
                assertThat(r).as("the detector saw publisher %s", p.publisherId()).isNotNull();
                long reported = r.missingRanges().stream().mapToLong(LossDetector.Range::size).sum();
                assertThat(confirmedSeqs.get(p.publisherId())).as("no confirmed number is in a gap")
                        .noneMatch(r::isMissing);
                if (reported == r.missing()) {
                    assertThat(r.seen()).isGreaterThanOrEqualTo(confirmedSeqs.get(p.publisherId()).size());
                }
            }
        }
    }

    private static void send(Publisher publisher, OutboundMessage message, int attempt, ScheduledExecutorService resend,
            Set<String> confirmed, Map<String, Set<Long>> confirmedSeqs, AtomicLong failedAttempts,
            Semaphore outstanding) {
        Runnable again = () -> {
            failedAttempts.incrementAndGet();
            long backoff = Math.min(2_000, 100L << Math.min(attempt, 5));
            resend.schedule(() -> send(publisher, message, attempt + 1, resend, confirmed, confirmedSeqs,
                    failedAttempts, outstanding), backoff, TimeUnit.MILLISECONDS);
        };
        try {
            publisher.publish(message).whenComplete((confirm, error) -> {
                if (error == null) {
                    confirmed.add(message.messageId());
                    confirmedSeqs.get(publisher.publisherId()).add(confirm.publisherSeq());
                    outstanding.release();
                } else {
                    again.run();
                }
            });
        } catch (RuntimeException e) {
            // window full or broker blocked (nothing was sent), or anything else the publisher threw: send again
            UNEXPECTED.compareAndSet(null, e);
            again.run();
        }
    }

    /** Messages in the queue, ready and unacked. */
    private static long queueDepth(String queue) {
        for (String line : node.rabbitmqctl("list_queues", "-q", "name", "messages").split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2 && parts[0].equals(queue)) {
                return Long.parseLong(parts[1]);
            }
        }
        return -1;
    }
}
