package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.impl.CredentialsProvider;
import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rotating RabbitMQ credentials under a live publisher, make-before-break: a new user is created, the
 * connections are replaced, and only then is the old user deleted (which closes its connections at once).
 * Users are created and deleted through the broker's management API, as Vault's RabbitMQ engine does.
 */
class CredentialRotationIT {

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    // HTTP/1.1: the management API does not take the JDK client's h2c upgrade
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<String> users = new ArrayList<>();

    /** Credentials that change when the test says so, as a Vault lease's would. */
    static final class RotatingCredentials implements CredentialsProvider {
        final AtomicReference<String[]> current = new AtomicReference<>();

        @Override
        public String getUsername() {
            return current.get()[0];
        }

        @Override
        public String getPassword() {
            return current.get()[1];
        }
    }

    @AfterEach
    void deleteUsers() throws Exception {
        for (String user : users) {
            send("DELETE", "/api/users/" + user, null); // 404 for those the test deleted already
        }
    }

    @Test
    void rotatingCredentialsUnderALivePublisherFailsNoPublishAndOldUsersLoseNothing() throws Exception {
        String exchange = broker.uniqueName("rotation");
        String queue = broker.uniqueName("rotation.q");
        RotatingCredentials credentials = new RotatingCredentials();
        credentials.current.set(newUser());
        RabbitConfig config = RabbitConfig.builder().uri(broker.uri()).credentialsProvider(credentials)
                .connectionName("rotation-it").build();

        ConcurrentLinkedQueue<CompletableFuture<PublishConfirm>> sent = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        try (Rabbit rabbit = Rabbit.connect(config)) {
            rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.DIRECT)
                    .queue(QueueSpec.quorum(queue)).bind(exchange, queue, "k").build());
            Publisher publisher = rabbit.publisher();
            Thread load = new Thread(() -> {
                int n = 0;
                while (running.get()) {
                    OutboundMessage message = OutboundMessage.to(exchange, "k")
                            .payload(new PublisherIT.OrderPlaced("o-" + n++, "c", 1)).build();
                    try {
                        sent.add(publisher.publish(message));
                    } catch (MessagingException e) {
                        sent.add(CompletableFuture.failedFuture(e)); // counted as a failed publish below
                    }
                }
            }, "rotation-load");
            load.start();

            for (int rotation = 1; rotation <= 3; rotation++) {
                int before = sent.size();
                await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() > before + 500);
                rotate(rabbit, credentials, 1); // the publishing connection
            }
            int before = sent.size();
            await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() > before + 500);
            running.set(false);
            load.join();

            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get();
            long failed = sent.stream().filter(CompletableFuture::isCompletedExceptionally).count();
            System.out.printf("rotations=3 published=%d failed=%d%n", sent.size(), failed);
            assertThat(failed).as("no publish failed across three rotations").isZero();
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(broker.messageCount(queue)).isEqualTo(sent.size()));
        }
    }

    @Test
    void rotatingCredentialsUnderALiveSubscriptionKeepsConsumingWithoutAGapAndHandlesEachMessageOnce() throws Exception {
        String exchange = broker.uniqueName("rotation");
        QueueSpec queue = QueueSpec.quorum(broker.uniqueName("rotation.in")).build();
        RotatingCredentials credentials = new RotatingCredentials();
        credentials.current.set(newUser());
        RabbitConfig config = RabbitConfig.builder().uri(broker.uri()).credentialsProvider(credentials)
                .connectionName("rotation-consume-it").build();

        java.util.Map<String, Integer> handled = new java.util.concurrent.ConcurrentHashMap<>();
        ConcurrentLinkedQueue<CompletableFuture<PublishConfirm>> sent = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        try (Rabbit rabbit = Rabbit.connect(config)) {
            rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.DIRECT).queue(queue)
                    .bind(exchange, queue.name(), "k").build());
            Subscription subscription = rabbit.subscribe(SubscriptionConfig.forQueue(queue, PublisherIT.OrderPlaced.class)
                            .concurrency(2).deduplicator(Deduplicator.inMemory()).build(),
                    (order, meta) -> handled.merge(order.orderId(), 1, Integer::sum));
            Publisher publisher = rabbit.publisher();
            Thread load = new Thread(() -> {
                int n = 0;
                while (running.get()) {
                    OutboundMessage message = OutboundMessage.to(exchange, "k")
                            .payload(new PublisherIT.OrderPlaced("o-" + n++, "c", 1)).build();
                    try {
                        sent.add(publisher.publish(message));
                    } catch (MessagingException e) {
                        sent.add(CompletableFuture.failedFuture(e));
                    }
                }
            }, "rotation-consume-load");
            load.start();

            for (int rotation = 1; rotation <= 3; rotation++) {
                int before = handled.size();
                await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() > before + 500);
                rotate(rabbit, credentials, 2); // the publishing and the consuming connection
            }
            running.set(false);
            load.join();
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get();
            long failed = sent.stream().filter(CompletableFuture::isCompletedExceptionally).count();
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == sent.size());

            long twice = handled.values().stream().filter(n -> n > 1).count();
            Subscription.Stats stats = subscription.stats();
            System.out.printf("rotations=3 published=%d failed=%d handled=%d handled_twice=%d interruptions=%d%n",
                    sent.size(), failed, handled.size(), twice, stats.interruptions());
            assertThat(failed).isZero();
            assertThat(twice).as("no message handled twice").isZero();
            assertThat(stats.interruptions()).as("the subscription never stopped consuming").isZero();
            assertThat(subscription.consuming()).isTrue();
        }
    }

    /**
     * One rotation, make-before-break: Vault issues new credentials, the connections are replaced, the old
     * connections drain and close by themselves, and only then does the old lease end (the user is deleted,
     * which would cut any connection still open).
     */
    private void rotate(Rabbit rabbit, RotatingCredentials credentials, int connections) throws Exception {
        String oldUser = credentials.getUsername();
        // The management API lists a new connection only after its first statistics arrive, so "no
        // connection of the old user" means "drained" only once the old connections have been seen listed.
        await().atMost(Duration.ofSeconds(30)).until(() -> connectionsOf(oldUser) == connections);
        credentials.current.set(newUser());
        rabbit.replaceConnections();
        await().atMost(Duration.ofSeconds(30)).until(() -> connectionsOf(oldUser) == 0);
        management("DELETE", "/api/users/" + oldUser, null);
    }

    private String[] newUser() throws Exception {
        String user = "rotation-" + UUID.randomUUID().toString().substring(0, 8);
        String password = UUID.randomUUID().toString();
        management("PUT", "/api/users/" + user, "{\"password\":\"" + password + "\",\"tags\":\"\"}");
        management("PUT", "/api/permissions/" + URLEncoder.encode("/", StandardCharsets.UTF_8) + "/" + user,
                "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        users.add(user);
        return new String[] {user, password};
    }

    private int connectionsOf(String user) throws Exception {
        String body = management("GET", "/api/connections?columns=user", null);
        int count = 0;
        for (int i = body.indexOf("\"user\":\"" + user + "\""); i >= 0; i = body.indexOf("\"user\":\"" + user + "\"", i + 1)) {
            count++;
        }
        return count;
    }

    private String management(String method, String path, String json) throws Exception {
        HttpResponse<String> response = send(method, path, json);
        assertThat(response.statusCode()).as(method + " " + path).isBetween(200, 299);
        return response.body();
    }

    private HttpResponse<String> send(String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:15672" + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
