package io.github.microkit.samples.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A service that starts while the identity provider is away is not ready (it could not verify a token), says
 * why, and becomes ready on its own once the provider is back: no request is needed to trigger the key fetch.
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
                    .until(() -> Client.send(HttpRequest.newBuilder(URI.create(producer.url("/health/ready")))), r -> r.statusCode() == 503);
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
}
