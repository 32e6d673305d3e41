package io.github.microkit.samples.e2e;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.microkit.testing.rabbitmq.PrivateRabbitNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9's broker outage: the producer in {@code PUBLISH_MODE=outbox} keeps answering {@code 202} while its broker
 * is stopped for 30 seconds, because an order and its event commit together in its own database; its relay backs
 * off and publishes the backlog once the broker is back, and the consumer stores each order exactly once.
 */
class BrokerOutageOutboxIT {

    @RegisterExtension
    static final PrivateRabbitNode node = PrivateRabbitNode.create();

    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final int CLIENTS = 4;
    /** Orders per second over all clients: enough to fill the outbox during the outage, not to load the machine. */
    private static final int RATE = 100;
    private static final String QUEUE = "orders.placed";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void brokerStoppedForThirtySecondsWhileOrdersArePostedInOutboxModeAllAreAcceptedAndEachIsStoredOnce() throws Exception {
        try (IdentityProvider idp = new IdentityProvider();
             ServiceDatabase producerDb = ServiceDatabase.create(ServiceDatabase.Engine.POSTGRESQL, "producer");
             ServiceDatabase consumerDb = ServiceDatabase.create(ServiceDatabase.Engine.POSTGRESQL, "consumer")) {
            Map<String, String> producerEnv = ServiceProcess.env(producerDb, node.uri(), idp);
            producerEnv.put("PUBLISH_MODE", "outbox");
            Map<String, String> consumerEnv = ServiceProcess.env(consumerDb, node.uri(), idp);
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                ServiceProcess consumer = ServiceProcess.consumer(consumerEnv);
                ServiceProcess producer = ServiceProcess.producer(producerEnv);
                consumer.awaitReady();
                producer.awaitReady();
                String token = idp.writer();
                Set<String> accepted = ConcurrentHashMap.newKeySet();
                Set<String> acceptedDuringOutage = ConcurrentHashMap.newKeySet();
                Map<String, Integer> refused = new ConcurrentHashMap<>(); // status or exception -> count
                AtomicBoolean outage = new AtomicBoolean();
                AtomicBoolean done = new AtomicBoolean();
                AtomicInteger sequence = new AtomicInteger();
                long started = System.nanoTime();
                for (int c = 0; c < CLIENTS; c++) {
                    clients.submit(() -> post(producer, token, sequence, done, outage, accepted, acceptedDuringOutage, refused));
                }

                // the flow works before the outage
                await("orders flowing").atMost(Duration.ofSeconds(30))
                        .until(() -> consumerDb.count("select count(*) from orders") >= 100);
                int beforeOutage = accepted.size();

                node.stop();
                outage.set(true);
                long stoppedAt = System.nanoTime();
                Map<Integer, Integer> readyDuringOutage = new ConcurrentHashMap<>();
                // the outage lasts 30 s; meanwhile the producer stays ready for orders
                await("30 s of outage").atMost(OUTAGE.plusSeconds(30)).pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            readyDuringOutage.merge(status(producer.url("/health/ready")), 1, Integer::sum);
                            return System.nanoTime() - stoppedAt >= OUTAGE.toNanos();
                        });
                int storedDuringOutage = (int) consumerDb.count("select count(*) from orders");
                long pendingAtReturn = producerDb.count("select count(*) from microkit_outbox where sent_at is null");
                node.start();
                outage.set(false);
                long returned = System.nanoTime();
                int atReturn = accepted.size();
                await("orders accepted after the broker returned").atMost(Duration.ofSeconds(30))
                        .until(() -> accepted.size() >= atReturn + 100);
                done.set(true);
                clients.shutdown();
                assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

                await("every accepted order stored").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                        .until(() -> consumerDb.count("select count(*) from orders") >= accepted.size()
                                && queueDepth(QUEUE) == 0);
                String caughtUpAfter = StoredOrders.seconds(returned);
                producer.sigterm();
                consumer.sigterm();
                producer.awaitExit(Duration.ofSeconds(30));
                consumer.awaitExit(Duration.ofSeconds(30));
                long deadLettered = queueDepth(QUEUE + ".dlq");
                long pendingAtEnd = producerDb.count("select count(*) from microkit_outbox where sent_at is null");
                StoredOrders stored = StoredOrders.read(consumerDb);

                System.out.printf("[e2e] BrokerOutageOutboxIT %s accepted=%d beforeOutage=%d duringOutage=%d refused=%s"
                                + " readyDuringOutage=%s storedDuringOutage=%d outboxPendingAtReturn=%d outage=%s"
                                + " caughtUpAfter=%s outboxPendingAtEnd=%d deadLettered=%d elapsed=%s%n",
                        stored.figures(accepted), accepted.size(), beforeOutage, acceptedDuringOutage.size(), refused,
                        readyDuringOutage, storedDuringOutage, pendingAtReturn,
                        String.format(java.util.Locale.ROOT, "%.1fs", (returned - stoppedAt) / 1e9), caughtUpAfter,
                        pendingAtEnd, deadLettered, StoredOrders.seconds(started));

                assertThat(refused).as("every order was accepted (202), also while the broker was away").isEmpty();
                assertThat(acceptedDuringOutage).as("orders accepted while the broker was stopped").hasSizeGreaterThan(1_000);
                assertThat(readyDuringOutage.keySet()).as("producer ready during the outage").containsOnly(200);
                assertThat(stored.lost(accepted)).as("lost").isZero();
                assertThat(stored.duplicated()).as("duplicated").isZero();
                assertThat(stored.rows()).isEqualTo(accepted.size());
                assertThat(pendingAtEnd).isZero();
                assertThat(deadLettered).isZero();
            } finally {
                clients.shutdownNow();
                ServiceProcess.closeAll();
            }
        }
    }

    /** One client: posts orders at its share of {@link #RATE}, each with its own Idempotency-Key, until done. */
    private static void post(ServiceProcess producer, String token, AtomicInteger sequence, AtomicBoolean done,
                             AtomicBoolean outage, Set<String> accepted, Set<String> acceptedDuringOutage,
                             Map<String, Integer> refused) {
        long interval = TimeUnit.SECONDS.toNanos(1) * CLIENTS / RATE;
        long next = System.nanoTime();
        while (!done.get()) {
            next += interval;
            int n = sequence.incrementAndGet();
            String body = "{\"customerId\":\"outage-" + n + "\",\"items\":[{\"sku\":\"S-1\",\"quantity\":1,\"unitPrice\":\"3.00\"}]}";
            try {
                boolean duringOutage = outage.get();
                HttpResponse<String> response = Client.send(Client.postOrder(producer, token, body)
                        .header("Idempotency-Key", "outage-" + n));
                if (response.statusCode() == 202) {
                    String orderId = Client.json(response).path("orderId").asText();
                    accepted.add(orderId);
                    if (duringOutage && outage.get()) {
                        acceptedDuringOutage.add(orderId);
                    }
                } else {
                    refused.merge(Integer.toString(response.statusCode()), 1, Integer::sum);
                }
            } catch (IOException e) {
                refused.merge(e.getClass().getSimpleName(), 1, Integer::sum);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing the client, not waiting for a result
            }
        }
    }

    private static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static long queueDepth(String queue) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(node.uri());
        try (Connection connection = factory.newConnection("e2e-test"); Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        }
    }
}
