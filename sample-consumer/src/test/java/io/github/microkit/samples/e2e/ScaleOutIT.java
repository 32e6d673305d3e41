package io.github.microkit.samples.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9's replicas: two producer processes share one database and two consumer processes share another. A
 * client sends each order with its {@code Idempotency-Key} to one producer and retries it against the other (after a
 * 503, a 409, a timeout or a lost connection; half of the keys are even sent to both at once, as an impatient client
 * does), while the broker connections of all four services are cut three times. Every key ends with exactly one
 * order at the producers, every 202 for a key names the same order, and the consumers store each order once.
 */
class ScaleOutIT {

    private static final int KEYS = 600;
    private static final int CLIENT_THREADS = 16;
    private static final int CUTS = 3;
    private static final String QUEUE = "orders.placed";
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(5);

    @RegisterExtension
    static final IdentityProvider idp = IdentityProvider.forTestClass();

    @ParameterizedTest(name = "PUBLISH_MODE={0} on {1}")
    @CsvSource({"confirm, POSTGRESQL", "outbox, POSTGRESQL", "confirm, H2"})
    void twoProducersAndTwoConsumersEndWithExactlyOneOrderPerIdempotencyKeyAlsoWhenConnectionsAreCut(
            String mode, ServiceDatabase.Engine engine) throws Exception {
        String run = mode + "-" + engine;
        try (PrivateVhost vhost = new PrivateVhost();
             ServiceDatabase producerDb = ServiceDatabase.create(engine, "producer");
             ServiceDatabase consumerDb = ServiceDatabase.create(engine, "consumer")) {
            Map<String, String> producerEnv = ServiceProcess.env(producerDb, vhost.uri(), idp);
            producerEnv.put("PUBLISH_MODE", mode);
            Map<String, String> consumerEnv = ServiceProcess.env(consumerDb, vhost.uri(), idp);
            ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
            try {
                // the four replicas start together, as a deployment's pods do
                List<ServiceProcess> services = List.of(ServiceProcess.consumer("consumer-a", consumerEnv),
                        ServiceProcess.consumer("consumer-b", consumerEnv),
                        ServiceProcess.producer("producer-a", producerEnv),
                        ServiceProcess.producer("producer-b", producerEnv));
                for (ServiceProcess service : services) {
                    service.awaitReady();
                }
                List<ServiceProcess> producers = services.subList(2, 4);
                String token = idp.writer();
                Tally tally = new Tally();
                long started = System.nanoTime();
                List<Future<?>> keys = new ArrayList<>();
                for (int k = 0; k < KEYS; k++) {
                    String key = run + "-" + k;
                    String body = "{\"customerId\":\"" + key + "\",\"items\":[{\"sku\":\"S-" + k
                            + "\",\"quantity\":1,\"unitPrice\":\"3.00\"}]}";
                    int first = k % 2;
                    if (k % 2 == 0) {
                        // an impatient client: the same request to both producers at once
                        keys.add(clients.submit(() -> placeUntilAccepted(producers, token, key, body, first, tally)));
                        keys.add(clients.submit(() -> placeUntilAccepted(producers, token, key, body, first + 1, tally)));
                    } else {
                        // a client whose first answer was lost: it asks the other producer again afterwards
                        keys.add(clients.submit(() -> {
                            placeUntilAccepted(producers, token, key, body, first, tally);
                            placeUntilAccepted(producers, token, key, body, first + 1, tally);
                            return null;
                        }));
                    }
                }
                // three cuts of every broker connection, spread over the run
                int cuts = 0;
                int closedConnections = 0;
                for (int cut = 1; cut <= CUTS; cut++) {
                    int due = cut * KEYS / (CUTS + 1);
                    await("keys answered before cut " + cut).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                            .until(() -> tally.acceptedKeys() >= due);
                    closedConnections += vhost.closeConnections();
                    cuts++;
                }
                for (Future<?> key : keys) {
                    key.get(180, TimeUnit.SECONDS);
                }
                String answeredAfter = StoredOrders.seconds(started);

                await("every order at the consumers").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                        .until(() -> consumerDb.count("select count(*) from orders") >= KEYS && vhost.drained(QUEUE));
                if (mode.equals("outbox")) {
                    // a row whose confirm was lost in a cut landed all the same, yet stays pending until its retry
                    // publishes it again (the inbox absorbs that copy): stop the producers only once it is marked
                    await("the outboxes drained").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                            .until(() -> producerDb.count("select count(*) from microkit_outbox where sent_at is null") == 0);
                }
                consumerDb.release();
                for (ServiceProcess service : services) {
                    service.sigterm();
                }
                for (ServiceProcess service : services) {
                    service.awaitExit(Duration.ofSeconds(30));
                }
                long left = vhost.messageCount(QUEUE) + vhost.messageCount(QUEUE + ".retry.1")
                        + vhost.messageCount(QUEUE + ".retry.2") + vhost.messageCount(QUEUE + ".retry.3");
                long deadLettered = vhost.messageCount(QUEUE + ".dlq");
                long producerOrders = producerDb.count("select count(*) from orders");
                long producerCustomers = producerDb.count("select count(distinct customer_id) from orders");
                long outboxPending = mode.equals("outbox")
                        ? producerDb.count("select count(*) from microkit_outbox where sent_at is null") : 0;
                Set<String> orderIds = tally.orderIdsByKey.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
                StoredOrders stored = StoredOrders.read(consumerDb);
                long customersAtConsumer = consumerDb.count("select count(distinct customer_id) from orders");

                System.out.printf("[e2e] ScaleOutIT[%s] keys=%d requests=%d statuses=%s failures=%s cuts=%d"
                                + " connectionsClosed=%d producerOrders=%d %s deadLettered=%d left=%d outboxPending=%d"
                                + " answeredAfter=%s elapsed=%s%n",
                        run, KEYS, tally.requests.get(), tally.statuses, tally.failures, cuts, closedConnections,
                        producerOrders, stored.figures(orderIds), deadLettered, left, outboxPending, answeredAfter,
                        StoredOrders.seconds(started));

                assertThat(tally.unexpected).as("answers other than 202, 409, 503").isEmpty();
                assertThat(tally.orderIdsByKey).hasSize(KEYS);
                assertThat(tally.orderIdsByKey.values()).as("one order id per key, whichever producer answered")
                        .allSatisfy(ids -> assertThat(ids).hasSize(1));
                assertThat(tally.messageIdsByKey.values()).as("one message id per key")
                        .allSatisfy(ids -> assertThat(ids).hasSize(1));
                assertThat(producerOrders).as("orders at the producers").isEqualTo(KEYS);
                assertThat(producerCustomers).isEqualTo(KEYS);
                assertThat(stored.lost(orderIds)).as("lost").isZero();
                assertThat(stored.duplicated()).as("duplicated").isZero();
                assertThat(stored.rows()).isEqualTo(KEYS);
                assertThat(customersAtConsumer).isEqualTo(KEYS);
                assertThat(deadLettered).isZero();
                assertThat(left).isZero();
                assertThat(outboxPending).isZero();
                assertThat(closedConnections).as("connections cut").isPositive();
            } finally {
                clients.shutdownNow();
                ServiceProcess.closeAll();
            }
        }
    }

    /**
     * One client's request with its key, starting at producer {@code start} and alternating on every retry: after a
     * 503 or 409 it waits what {@code Retry-After} says (at most a second), after a timeout or a refused connection
     * a moment, and tries the other producer. Gives up after a minute.
     */
    private static Void placeUntilAccepted(List<ServiceProcess> producers, String token, String key, String body,
                                           int start, Tally tally) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
            ServiceProcess producer = producers.get((start + attempt) % 2);
            tally.requests.incrementAndGet();
            long backoff;
            try {
                HttpResponse<String> response = Client.send(Client.postOrder(producer, token, body)
                        .timeout(CLIENT_TIMEOUT).header("Idempotency-Key", key));
                tally.statuses.merge(response.statusCode(), 1, Integer::sum);
                if (response.statusCode() == 202) {
                    JsonNode json = Client.json(response);
                    tally.accepted(key, json.path("orderId").asText(), json.path("messageId").asText());
                    return null;
                }
                if (response.statusCode() != 503 && response.statusCode() != 409) {
                    tally.unexpected.add(key + " " + response.statusCode() + " " + response.body());
                    return null;
                }
                backoff = response.headers().firstValue("Retry-After").map(s -> Math.min(Long.parseLong(s) * 1000, 1000L))
                        .orElse(200L);
            } catch (IOException e) {
                tally.failures.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                backoff = 200;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff)); // the client's own backoff between retries
        }
        tally.unexpected.add(key + " not accepted within 60 s");
        return null;
    }

    private static final class Tally {
        final AtomicInteger requests = new AtomicInteger();
        final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        final Map<String, Integer> failures = new ConcurrentHashMap<>();
        final Map<String, Set<String>> orderIdsByKey = new ConcurrentHashMap<>();
        final Map<String, Set<String>> messageIdsByKey = new ConcurrentHashMap<>();
        final Set<String> unexpected = ConcurrentHashMap.newKeySet();

        void accepted(String key, String orderId, String messageId) {
            orderIdsByKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(orderId);
            messageIdsByKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(messageId);
        }

        int acceptedKeys() {
            return orderIdsByKey.size();
        }
    }
}
