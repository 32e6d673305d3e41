package io.github.microkit.samples.e2e;

import com.rabbitmq.client.GetResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM while clients post orders: every order the producer answered 202 is in the queue (it was confirmed
 * before the answer, and the shutdown waits for running requests), refused ones got 503, never a 500, and the
 * process exits within its SHUTDOWN_TIMEOUT.
 */
class ShutdownUnderLoadIT {

    private static final int CLIENTS = 8;
    private static IdentityProvider idp;
    private static PrivateVhost vhost;

    @BeforeAll
    static void start() throws Exception {
        idp = new IdentityProvider();
        vhost = new PrivateVhost();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vhost != null) {
            vhost.close();
        }
        if (idp != null) {
            idp.close();
        }
    }

    @Test
    void sigtermDuringLoadLosesNoAcceptedOrder() throws Exception {
        ServiceProcess producer = ServiceProcess.producer(Map.of("RABBITMQ_URI", vhost.uri(), "JWT_ISSUER", idp.issuer(),
                "SHUTDOWN_TIMEOUT", "PT10S")).awaitReady();
        String token = idp.writer();
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicBoolean serverGone = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            for (int i = 0; i < CLIENTS; i++) {
                clients.submit(() -> {
                    while (!serverGone.get()) {
                        try {
                            HttpResponse<String> response = Client.send(Client.postOrder(producer, token, Client.ORDER));
                            statuses.merge(response.statusCode(), 1, Integer::sum);
                            if (response.statusCode() == 202) {
                                accepted.add(Client.json(response).path("messageId").asText());
                            }
                        } catch (IOException e) {
                            serverGone.set(true); // the server closed its port: the shutdown got there
                        }
                    }
                    return null;
                });
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 200);

            producer.sigterm();
            int exit = producer.awaitExit(Duration.ofSeconds(20));
            await().atMost(Duration.ofSeconds(10)).untilTrue(serverGone);

            assertThat(exit).as("exit status after SIGTERM (128 + 15)").isEqualTo(143);
            assertThat(producer.line("stopped")).isPresent();
        } finally {
            clients.shutdownNow();
            clients.awaitTermination(10, TimeUnit.SECONDS);
            producer.close();
        }
        assertThat(statuses.keySet()).as("statuses seen: %s", statuses).allMatch(s -> s == 202 || s == 503);
        List<GetResponse> queued = vhost.drain("orders.placed");
        Set<String> queuedIds = queued.stream().map(m -> m.getProps().getMessageId()).collect(Collectors.toSet());
        assertThat(queuedIds).as("every 202 has its message in the queue").containsAll(accepted);
        assertThat(queued).as("no message published twice").hasSameSizeAs(queuedIds);
    }
}
