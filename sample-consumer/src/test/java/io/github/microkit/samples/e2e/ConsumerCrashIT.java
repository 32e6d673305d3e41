package io.github.microkit.samples.e2e;

import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.PublishConfirm;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.Rabbit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9's crash test: 10,000 {@code order.placed.v1} messages flow while the consumer process is killed with
 * {@code kill -9} five times at random points of the run and restarted each time. Whatever it was doing at that
 * moment (a handler's transaction open, committed but not acked, deliveries prefetched), every order ends up stored
 * exactly once: the inbox records each message id in the handler's own transaction, so a redelivery after a crash
 * between commit and ack is acked without running the handler again.
 */
class ConsumerCrashIT {

    private static final int ORDERS = 10_000;
    private static final int KILLS = 5;
    /** Messages per second: publishing spans the kills, so orders arrive while the consumer is down and up. */
    private static final int PUBLISH_RATE = 1_000;
    private static final String QUEUE = "orders.placed";

    @RegisterExtension
    static final IdentityProvider idp = IdentityProvider.forTestClass();

    @ParameterizedTest(name = "on {0}")
    @EnumSource(ServiceDatabase.Engine.class)
    void consumerKilledFiveTimesWhileTenThousandOrdersFlowStoresEveryOrderExactlyOnce(ServiceDatabase.Engine engine)
            throws Exception {
        Assumptions.assumeTrue(ServiceDatabase.selected(engine), "engine not selected by -De2e.engines");
        Random random = new Random();
        try (PrivateVhost vhost = new PrivateVhost();
             ServiceDatabase database = ServiceDatabase.create(engine, "consumer");
             Rabbit rabbit = Rabbit.connect(vhost.uri())) {
            Map<String, String> env = ServiceProcess.env(database, vhost.uri(), idp);
            List<String> sent = new ArrayList<>(ORDERS);
            for (int i = 0; i < ORDERS; i++) {
                sent.add(StoredOrders.newOrderId());
            }
            try {
                ServiceProcess consumer = ServiceProcess.consumer(env).awaitReady(); // it declares the queue
                long started = System.nanoTime();
                AtomicInteger published = new AtomicInteger();
                try (Publisher publisher = rabbit.publisher()) {
                    CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> publishPaced(publisher, sent, published));
                    // five kills, each after a random amount of progress within its sixth of the run
                    int slice = ORDERS / (KILLS + 1);
                    for (int kill = 1; kill <= KILLS; kill++) {
                        long before = consumed(vhost, published);
                        // always some progress after a restart: a kill during start-up is not what this tests
                        long threshold = Math.max((kill - 1) * slice + slice / 3 + random.nextInt(slice), before + 300);
                        await("consumer past " + threshold + " messages").atMost(Duration.ofSeconds(60))
                                .pollInterval(Duration.ofMillis(20))
                                .until(() -> consumed(vhost, published) >= threshold);
                        consumer.kill9();
                        long at = consumed(vhost, published);
                        System.out.printf("[e2e] ConsumerCrashIT[%s] kill -9 #%d of pid %d after ~%d messages taken (%d by"
                                + " this process) at %s%n", engine, kill, consumer.pid(), at, at - before,
                                StoredOrders.seconds(started));
                        consumer = consumer.restart().awaitReady();
                    }
                    publishing.get(120, TimeUnit.SECONDS);
                }
                // done when every order is stored, or when nothing is left to deliver and nothing changes any more
                // (then the figures below say what is missing)
                Settled settled = new Settled();
                await("all " + ORDERS + " orders stored, or the queues empty and the store settled")
                        .atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                        .until(() -> settled.check(database.count("select count(*) from orders"),
                                vhost.messageCount(QUEUE) + retryQueues(vhost)) && vhost.drained(QUEUE));
                String allStoredAfter = StoredOrders.seconds(started);
                // a graceful stop: what it still had in hand is handled and acked or goes back to the queue
                database.release();
                consumer.sigterm();
                consumer.awaitExit(Duration.ofSeconds(30));
                long leftInQueues = vhost.messageCount(QUEUE) + retryQueues(vhost);
                long deadLettered = vhost.messageCount(QUEUE + ".dlq");

                StoredOrders stored = StoredOrders.read(database);
                System.out.printf("[e2e] ConsumerCrashIT[%s] %s kills=%d deadLettered=%d leftInQueues=%d inbox=%d"
                                + " allStoredAfter=%s elapsed=%s%n", engine, stored.figures(sent), KILLS, deadLettered,
                        leftInQueues, database.count("select count(*) from microkit_inbox"), allStoredAfter,
                        StoredOrders.seconds(started));

                assertThat(stored.lost(sent)).as("lost").isZero();
                assertThat(stored.duplicated()).as("duplicated").isZero();
                assertThat(stored.rows()).as("rows in orders").isEqualTo(ORDERS);
                assertThat(stored.historyRows()).as("history rows: each order handled once").isEqualTo(ORDERS);
                assertThat(deadLettered).as("dead-lettered").isZero();
                assertThat(leftInQueues).as("messages left in the queue and its delay queues").isZero();
            } finally {
                ServiceProcess.closeAll();
                database.release();
            }
        }
    }

    /** True once every order is stored, or once the queues are empty and the count has not moved for 5 s. */
    private static final class Settled {
        private long lastCount = -1;
        private long since = System.nanoTime();

        boolean check(long stored, long queued) {
            if (stored >= ORDERS) {
                return true;
            }
            if (stored != lastCount || queued > 0) {
                lastCount = stored;
                since = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since > TimeUnit.SECONDS.toNanos(5);
        }
    }

    /** Messages taken off the queue so far (delivered to the consumer, acked or not): published minus ready. */
    private static long consumed(PrivateVhost vhost, AtomicInteger published) throws Exception {
        int sentSoFar = published.get();
        return sentSoFar - vhost.messageCount(QUEUE);
    }

    private static long retryQueues(PrivateVhost vhost) throws Exception {
        long total = 0;
        for (int step = 1; step <= 3; step++) {
            total += vhost.messageCount(QUEUE + ".retry." + step);
        }
        return total;
    }

    /** Publishes every order at {@link #PUBLISH_RATE}, each confirmed by the broker; fails on any failed confirm. */
    private static void publishPaced(Publisher publisher, List<String> orderIds, AtomicInteger published) {
        long start = System.nanoTime();
        long interval = TimeUnit.SECONDS.toNanos(1) / PUBLISH_RATE;
        List<CompletableFuture<PublishConfirm>> confirms = new ArrayList<>(orderIds.size());
        for (int i = 0; i < orderIds.size(); i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing the producer side, not waiting for a result
            }
            String orderId = orderIds.get(i);
            CompletableFuture<PublishConfirm> confirm = publisher.publish(OutboundMessage.to("orders", "order.placed")
                    .payload(StoredOrders.event(orderId, "crash-" + (i % 100)))
                    .messageId("msg-" + orderId)
                    .correlationId(orderId)
                    .type("order.placed.v1")
                    .build());
            confirms.add(confirm.whenComplete((c, e) -> {
                if (e == null) {
                    published.incrementAndGet();
                }
            }));
        }
        CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).join();
    }
}
