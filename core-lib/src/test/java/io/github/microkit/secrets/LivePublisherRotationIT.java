package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.MessagingException;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.PublishConfirm;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.messaging.Topology;
import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import io.github.microkit.testing.vault.VaultEmulatorExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole rotation story: Vault's RabbitMQ engine issues a broker user per lease; when the lease nears its
 * max TTL the client reads new credentials and tells its listener, which moves the live publisher to a new
 * connection (make-before-break); the old user is deleted when its lease ends. The publisher never notices.
 * {@code secrets} and {@code messaging} meet only through amqp-client's {@code CredentialsProvider} and this
 * one listener.
 */
class LivePublisherRotationIT {

    @RegisterExtension
    static final VaultEmulatorExtension VAULT = VaultEmulatorExtension.create();

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    // HTTP/1.1: the management API does not take the JDK client's h2c upgrade
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static VaultTarget vault;
    private static String engine;

    @BeforeAll
    static void setUpEngine() {
        vault = VaultTarget.of(VAULT);
        vault.requireEmulator("moves Vault's clock through several lease lifetimes");
        engine = vault.rabbitEngine("mk-rabbit", "producer");
    }

    @AfterAll
    static void stop() {
        if (vault != null) {
            vault.close();
        }
    }

    @Test
    void dynamicCredentialsRotateUnderALivePublisherWithZeroFailedPublishes() throws Exception {
        String exchange = broker.uniqueName("rotating");
        String queue = broker.uniqueName("rotating.q");
        ConcurrentLinkedQueue<CompletableFuture<PublishConfirm>> sent = new ConcurrentLinkedQueue<>();
        List<String> users = new ArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        try (VaultClient client = VaultClient.connect(VaultSettings.builder(vault.address(),
                VaultAuth.token(vault.rootToken())).clock(vault.clock()).checkInterval(Duration.ofMillis(10)).build())) {
            VaultLease lease = (VaultLease) client.lease(engine + "/creds/producer");
            RabbitConfig config = RabbitConfig.builder().uri(broker.uri()).connectionName("rotating-publisher")
                    .credentialsProvider(RotatingCredentialsProvider.of(lease, "username", "password", vault.clock()))
                    .build();
            try (Rabbit rabbit = Rabbit.connect(config)) {
                // the one line that ties the two packages together
                lease.onRotation((previous, next) -> rabbit.replaceConnections());
                rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.DIRECT)
                        .queue(QueueSpec.quorum(queue)).bind(exchange, queue, "k").build());
                Publisher publisher = rabbit.publisher();
                Thread load = new Thread(() -> {
                    int n = 0;
                    while (running.get()) {
                        OutboundMessage message = OutboundMessage.to(exchange, "k").payload(Map.of("n", n++)).build();
                        try {
                            sent.add(publisher.publish(message));
                        } catch (MessagingException e) {
                            sent.add(CompletableFuture.failedFuture(e)); // counted as failed below
                        }
                    }
                }, "rotating-load");
                load.start();
                users.add(lease.current().require("username").reveal());
                await().atMost(Duration.ofSeconds(30)).until(() -> connectionsOf(users) == 1);

                for (int step = 0; step < 6 * 9; step++) { // 9 simulated hours in 10-minute steps; max TTL is 3 h
                    int before = sent.size();
                    await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() > before + 20);
                    vault.advance(Duration.ofMinutes(10));
                    await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                            .until(() -> lease.actAt().isAfter(vault.clock().instant()));
                    String user = lease.current().require("username").reveal();
                    if (!users.contains(user)) {
                        users.add(user);
                        // before the next clock step can end the old lease, the old connection has drained and closed
                        List<String> old = users.subList(0, users.size() - 1);
                        await().atMost(Duration.ofSeconds(30)).until(() -> connectionsOf(old) == 0);
                        // the management API lists a connection only after its first statistics arrive: once the
                        // new one is listed, its absence at the next rotation means it has closed
                        await().atMost(Duration.ofSeconds(30)).until(() -> connectionsOf(List.of(user)) == 1);
                    }
                }
                running.set(false);
                load.join();
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get();
            }
        }
        long failed = sent.stream().filter(CompletableFuture::isCompletedExceptionally).count();
        System.out.printf("rotations=%d published=%d failed=%d%n", users.size() - 1, sent.size(), failed);
        assertThat(users).as("at least three rotations in nine hours").hasSizeGreaterThanOrEqualTo(4);
        assertThat(failed).as("no publish failed while credentials rotated").isZero();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(broker.messageCount(queue)).isEqualTo(sent.size()));
        for (String user : users.subList(0, users.size() - 2)) {
            assertThat(userStatus(user)).as("user %s is gone after its lease ended", user).isEqualTo(404);
        }
    }

    private static int connectionsOf(List<String> users) throws Exception {
        String body = get("/api/connections?columns=user").body();
        int count = 0;
        for (String user : users) {
            if (body.contains("\"user\":\"" + user + "\"")) {
                count++;
            }
        }
        return count;
    }

    private static int userStatus(String user) throws Exception {
        return get("/api/users/" + user).statusCode();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:15672" + path))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
