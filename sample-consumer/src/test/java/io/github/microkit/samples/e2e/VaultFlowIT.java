package io.github.microkit.samples.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.microkit.vault.emulator.VaultEmulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The services with their RabbitMQ credentials from Vault, as in the demo: the Vault emulator set up by the same
 * script a real Vault gets, AppRole logins, a broker user per service made by Vault's RabbitMQ engine, and that
 * user deleted when the service stops (its lease is revoked).
 */
class VaultFlowIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path approle;

    @Test
    void ordersFlowWithBrokerUsersIssuedByVaultAndTheUsersGoAwayAtShutdown() throws Exception {
        try (IdentityProvider idp = new IdentityProvider();
             PrivateVhost vhost = new PrivateVhost();
             VaultEmulator vault = VaultEmulator.builder().port(0).rootToken("root").start()) {
            runSetupScript(vault.address(), vhost.name(), Map.of());
            Map<String, String> common = Map.of("RABBITMQ_URI", vhost.uri(), "JWT_ISSUER", idp.issuer(),
                    "VAULT_ADDR", vault.address().toString(), "VAULT_AUTH", "approle");
            String producerUser;
            try (ServiceProcess consumer = ServiceProcess.consumer(vaultEnv(common, "consumer"));
                 ServiceProcess producer = ServiceProcess.producer(vaultEnv(common, "producer"))) {
                consumer.awaitReady();
                producer.awaitReady();

                HttpResponse<String> accepted = Client.send(Client.postOrder(producer, idp.writer(), Client.ORDER));
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                String orderId = Client.json(accepted).path("orderId").asText();
                await().atMost(Duration.ofSeconds(20)).until(() -> Client.get(consumer, "/orders/" + orderId, idp.writer()).statusCode() == 200);

                JsonNode ready = Client.json(Client.get(producer, "/health/ready", idp.writer()));
                assertThat(ready.path("checks").path("vault").path("status").asText()).isEqualTo("UP");
                producerUser = connectionUser(vhost.name(), "sample-producer-publish");
                assertThat(producerUser).isNotEqualTo("guest"); // a user Vault made for this instance
            }
            // both stopped: their leases were revoked, so Vault deleted their broker users
            await().atMost(Duration.ofSeconds(20)).until(() -> !userExists(producerUser));
        }
    }

    private Map<String, String> vaultEnv(Map<String, String> common, String service) {
        Map<String, String> env = new HashMap<>(common);
        env.put("VAULT_ROLE_ID_FILE", approle.resolve(service + ".role-id").toString());
        env.put("VAULT_SECRET_ID_FILE", approle.resolve(service + ".secret-id").toString());
        env.put("VAULT_RABBITMQ_ROLE", service);
        return env;
    }

    @Test
    void brokerUserIsRotatedUnderLoadWithoutAFailedOrder() throws Exception {
        try (IdentityProvider idp = new IdentityProvider();
             PrivateVhost vhost = new PrivateVhost();
             VaultEmulator vault = VaultEmulator.builder().port(0).rootToken("root").start()) {
            // leases that Vault stops extending after 9 s: the client must move to a new broker user
            runSetupScript(vault.address(), vhost.name(), Map.of("RABBITMQ_LEASE_TTL", "6", "RABBITMQ_LEASE_MAX_TTL", "9"));
            Map<String, String> env = new HashMap<>(vaultEnv(Map.of("RABBITMQ_URI", vhost.uri(), "JWT_ISSUER", idp.issuer(),
                    "VAULT_ADDR", vault.address().toString(), "VAULT_AUTH", "approle"), "producer"));
            try (ServiceProcess producer = ServiceProcess.producer(env)) {
                producer.awaitReady();
                String firstUser = connectionUser(vhost.name(), "sample-producer-publish");
                int posted = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                String currentUser = firstUser;
                while (System.nanoTime() < deadline && (currentUser.equals(firstUser) || posted < 50)) {
                    HttpResponse<String> response = Client.send(Client.postOrder(producer, idp.writer(), Client.ORDER));
                    assertThat(response.statusCode()).as("order %d: %s", posted, response.body()).isEqualTo(202);
                    posted++;
                    currentUser = connectionUser(vhost.name(), "sample-producer-publish");
                }
                assertThat(currentUser).as("the broker user after rotation").isNotEqualTo(firstUser);
                assertThat(vhost.messageCount("orders.placed")).isEqualTo(posted);
            }
        }
    }

    private void runSetupScript(URI vaultAddress, String vhost, Map<String, String> extra) throws Exception {
        Path script = Path.of("../manifests/overlays/dev/vault/vault-setup.sh");
        ProcessBuilder setup = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        setup.environment().put("VAULT_ADDR", vaultAddress.toString());
        setup.environment().put("VAULT_TOKEN", "root");
        setup.environment().put("APPROLE_OUTPUT_DIR", approle.toString());
        setup.environment().put("RABBITMQ_VHOST", vhost);
        setup.environment().put("AUDIT_ENABLED", "false");
        setup.environment().putAll(extra);
        Process process = setup.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(Files.exists(approle.resolve("producer.secret-id"))).isTrue();
    }

    private static String connectionUser(String vhost, String connectionName) throws Exception {
        return await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode connections = Client.JSON.readTree(management("/api/vhosts/" + vhost + "/connections").body());
            for (JsonNode c : connections) {
                if (c.path("client_properties").path("connection_name").asText().equals(connectionName)) {
                    return c.path("user").asText();
                }
            }
            return null;
        }, user -> user != null);
    }

    private static boolean userExists(String user) throws Exception {
        return management("/api/users/" + user).statusCode() == 200;
    }

    private static HttpResponse<String> management(String path) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:15672" + path)).header("Authorization", auth).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
