package io.github.microkit.samples.e2e;

import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.outbox.Outbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9's relay crash: 10,000 outbox rows are pending in the producer's database when the producer (its relay
 * publishing them in batches) is killed with {@code kill -9} in the middle of a batch, with rows published or in
 * flight but not yet marked sent. After a restart every message reaches the queue at least once (the crashed
 * relay's claims expire and its rows are published again), and the consumer's inbox stores each order exactly once.
 *
 * <p>The rows are appended with the library's {@link Outbox} into the producer's own database, as its
 * {@code POST /orders} does in outbox mode, while the producer is stopped: so 10,000 rows are really pending when
 * its relay starts, and the relay that crashes is the one in the producer process. The consumer starts only when
 * nothing but the crashed relay's rows (held by its lease, 60 s by default) is pending, so the queue's depth then
 * tells exactly how many messages were published twice.
 */
class RelayCrashIT {

    private static final int ORDERS = 10_000;
    private static final String QUEUE = "orders.placed";
    private static final String PENDING = "select count(*) from microkit_outbox where sent_at is null";
    private static final String SENT = "select count(*) from microkit_outbox where sent_at is not null";
    /** Rows a relay holds: claimed, lease running, not marked sent (published and unconfirmed, or still to publish). */
    private static final String IN_HAND = "select count(*) from microkit_outbox where sent_at is null"
            + " and claimed_by is not null and claimed_until > current_timestamp";

    @RegisterExtension
    static final IdentityProvider idp = IdentityProvider.forTestClass();

    @Test
    void producerKilledMidBatchWithTenThousandRowsPendingDeliversEveryOrderAndTheInboxStoresEachOnce() throws Exception {
        Random random = new Random();
        try (PrivateVhost vhost = new PrivateVhost();
             ServiceDatabase producerDb = ServiceDatabase.create(ServiceDatabase.Engine.POSTGRESQL, "producer");
             ServiceDatabase consumerDb = ServiceDatabase.create(ServiceDatabase.Engine.POSTGRESQL, "consumer")) {
            Map<String, String> producerEnv = ServiceProcess.env(producerDb, vhost.uri(), idp);
            producerEnv.put("PUBLISH_MODE", "outbox");
            Map<String, String> consumerEnv = ServiceProcess.env(consumerDb, vhost.uri(), idp);
            try {
                // a first start creates the producer's schema and the queue; then 10,000 rows wait for its relay
                ServiceProcess producer = ServiceProcess.producer(producerEnv).awaitReady();
                producer.sigterm();
                producer.awaitExit(Duration.ofSeconds(30));
                List<String> sent = appendOrders(producerDb);
                assertThat(producerDb.count(PENDING)).isEqualTo(ORDERS);

                long started = System.nanoTime();
                producer = producer.restart();
                // kill -9 once the relay has marked a random share of the rows sent and holds its next batch
                // (claimed, not marked: published and unconfirmed, or about to be); should the relay mark that batch
                // between our look and the kill, the kill fell between two batches: restart and try again
                long inHandAtKill = 0;
                long sentAtKill = 0;
                long queuedAtKill = 0;
                int kills = 0;
                while (inHandAtKill == 0 && kills < 3) {
                    long from = producerDb.count(SENT);
                    long threshold = Math.min(from + 1_000 + random.nextInt(3_000), ORDERS - 1_000);
                    ServiceProcess relaying = producer;
                    await("relay past " + threshold + " rows sent, with a batch in hand").atMost(Duration.ofSeconds(90))
                            .pollInterval(Duration.ofMillis(5))
                            .until(() -> {
                                if (!relaying.alive()) {
                                    throw new IllegalStateException("producer exited:\n" + String.join("\n", relaying.lines()));
                                }
                                return producerDb.count(SENT) >= threshold && producerDb.count(IN_HAND) > 0;
                            });
                    producer.kill9();
                    kills++;
                    sentAtKill = producerDb.count(SENT);
                    inHandAtKill = producerDb.count(IN_HAND);
                    queuedAtKill = vhost.messageCount(QUEUE);
                    System.out.printf("[e2e] RelayCrashIT kill -9 #%d of the producer (pid %d) with %d rows marked sent,"
                                    + " %d in the relay's hands, %d messages in the queue (%d published, not marked), at %s%n",
                            kills, producer.pid(), sentAtKill, inHandAtKill, queuedAtKill, queuedAtKill - sentAtKill,
                            StoredOrders.seconds(started));
                    producer = producer.restart();
                }
                assertThat(inHandAtKill).as("a kill landed in the middle of a batch").isPositive();

                // the restarted relay sends the rest at once; the dead relay's rows wait for their lease to expire.
                // Until then nothing consumes, so the queue holds exactly what was published: every row once, plus the
                // dead batch's rows it had published but not marked; the lease's expiry publishes the dead batch again
                long restarted = System.nanoTime();
                long deadBatch = inHandAtKill;
                await("every outbox row but the dead relay's sent").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> producerDb.count(PENDING) <= deadBatch);
                long queuedBeforeTakeover = vhost.messageCount(QUEUE);
                long publishedTwice = queuedBeforeTakeover + deadBatch - ORDERS;
                ServiceProcess consumer = ServiceProcess.consumer(consumerEnv).awaitReady();
                await("every outbox row sent").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                        .until(() -> producerDb.count(PENDING) == 0);
                String relayDoneAfter = StoredOrders.seconds(started);
                String takeover = StoredOrders.seconds(restarted);
                await("all " + ORDERS + " orders stored and every copy consumed").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> consumerDb.count("select count(*) from orders") >= ORDERS && vhost.drained(QUEUE));
                consumer.sigterm();
                consumer.awaitExit(Duration.ofSeconds(30));
                long left = vhost.messageCount(QUEUE);
                long deadLettered = vhost.messageCount(QUEUE + ".dlq");
                StoredOrders stored = StoredOrders.read(consumerDb);

                System.out.printf("[e2e] RelayCrashIT %s kills=%d sentAtKill=%d inHandAtKill=%d queuedAtKill=%d"
                                + " queuedBeforeTakeover=%d published=%d publishedTwice=%d deadLettered=%d left=%d"
                                + " relayDoneAfter=%s (after the restart %s, the crashed relay's lease included)"
                                + " elapsed=%s%n",
                        stored.figures(sent), kills, sentAtKill, inHandAtKill, queuedAtKill, queuedBeforeTakeover,
                        queuedBeforeTakeover + deadBatch, publishedTwice, deadLettered, left, relayDoneAfter, takeover,
                        StoredOrders.seconds(started));

                assertThat(queuedBeforeTakeover + deadBatch).as("every message reached the queue at least once")
                        .isGreaterThanOrEqualTo(ORDERS);
                assertThat(stored.lost(sent)).as("lost").isZero();
                assertThat(stored.duplicated()).as("duplicated").isZero();
                assertThat(stored.rows()).isEqualTo(ORDERS);
                assertThat(stored.historyRows()).as("each order handled once, copies absorbed by the inbox").isEqualTo(ORDERS);
                assertThat(deadLettered).isZero();
                assertThat(left).isZero();
            } finally {
                ServiceProcess.closeAll();
            }
        }
    }

    /** 10,000 {@code order.placed.v1} events, as the producer's outbox mode writes them: ordering key = order id. */
    private static List<String> appendOrders(ServiceDatabase producerDb) throws Exception {
        Outbox outbox = Outbox.create();
        List<String> orderIds = new ArrayList<>(ORDERS);
        try (Connection tx = producerDb.dataSource().getConnection()) {
            tx.setAutoCommit(false);
            for (int i = 0; i < ORDERS; i++) {
                String orderId = StoredOrders.newOrderId();
                orderIds.add(orderId);
                outbox.append(tx, OutboundMessage.to("orders", "order.placed")
                        .payload(StoredOrders.event(orderId, "relay-" + (i % 100)))
                        .messageId("msg-" + orderId)
                        .correlationId(orderId)
                        .type("order.placed.v1")
                        .appId("sample-producer")
                        .build(), orderId);
                if (i % 1_000 == 999) {
                    tx.commit();
                }
            }
            tx.commit();
        }
        return orderIds;
    }
}
