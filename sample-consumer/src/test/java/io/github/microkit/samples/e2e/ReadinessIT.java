package io.github.microkit.samples.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Readiness while a service starts and after: its HTTP server serves from early in the start-up, alive but not
 * ready, and answers its own routes with a 503 to retry until they are open; a service that starts while the identity
 * provider is away is not ready (it could not verify a token), says why, and becomes ready on its own once the
 * provider is back: no request is needed to trigger the key fetch.
 */
class ReadinessIT {

    @Test
    void producerStartedBeforeTheIdentityProviderBecomesReadyWhenItArrives() throws Exception {
        int idpPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            idpPort = socket.getLocalPort();
        }
        try (PrivateVhost vhost = new PrivateVhost();
             ServiceProcess producer = ServiceProcess.producer(Map.of("RABBITMQ_URI", vhost.uri(),
                     "JWT_ISSUER", "http://localhost:" + idpPort + "/default"))) {
            HttpResponse<String> notReady = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> Client.send(HttpRequest.newBuilder(URI.create(producer.url("/health/ready")))),
                            r -> r.statusCode() == 503 && check(r, "startup").equals("UP")); // started, yet not ready
            JsonNode checks = Client.json(notReady).path("checks");
            assertThat(checks.path("jwt-keys").path("status").asText()).isEqualTo("DOWN");
            assertThat(checks.path("rabbitmq").path("status").asText()).isEqualTo("UP");

            try (IdentityProvider idp = new IdentityProvider(idpPort)) {
                producer.awaitReady();
                HttpResponse<String> accepted = Client.send(Client.postOrder(producer, idp.writer(), Client.ORDER));
                assertThat(accepted.statusCode()).isEqualTo(202);
            }
        }
    }

    @Test
    void whileTheProducerStartsItIsAliveNotReadyAndAnswersOrdersWith503ToRetry() throws Exception {
        int brokerPort; // nobody listens here: the producer keeps retrying its first broker connection meanwhile
        try (ServerSocket socket = new ServerSocket(0)) {
            brokerPort = socket.getLocalPort();
        }
        try (IdentityProvider idp = new IdentityProvider();
             ServiceProcess producer = ServiceProcess.producer(Map.of(
                     "RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:" + brokerPort,
                     "JWT_ISSUER", idp.issuer()))) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> Client.send(HttpRequest.newBuilder(URI.create(producer.url("/health/live"))))
                            .statusCode() == 200);
            await("still connecting to the broker").atMost(Duration.ofSeconds(30))
                    .until(() -> producer.line("connecting to RabbitMQ").isPresent());

            HttpResponse<String> ready = Client.send(HttpRequest.newBuilder(URI.create(producer.url("/health/ready"))));
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(check(ready, "startup")).isEqualTo("DOWN");

            HttpResponse<String> order = Client.send(Client.postOrder(producer, idp.writer(), Client.ORDER));
            assertThat(order.statusCode()).isEqualTo(503);
            assertThat(order.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(Client.json(order).path("error").asText()).isEqualTo("unavailable");
            assertThat(Client.json(order).path("message").asText()).contains("starting");
        }
    }

    private static String check(HttpResponse<String> readiness, String name) {
        try {
            return Client.json(readiness).path("checks").path(name).path("status").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
