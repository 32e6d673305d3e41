package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.microkit.vault.emulator.VaultHttp.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The RabbitMQ secrets engine against the real broker (127.0.0.1:5672, management API on 15672):
 * credentials are a real user that can connect, and the user is deleted when its lease ends.
 */
class RabbitMqCredentialsIT {

    static final String MANAGEMENT = System.getProperty("rabbitmq.management.url", "http://127.0.0.1:15672");

    VaultEmulator emulator;
    VaultHttp http;
    String root;

    @BeforeEach
    void start() {
        emulator = VaultEmulator.builder().port(0).clock(VaultHttp.frozenClock()).start();
        http = new VaultHttp(emulator.address());
        root = emulator.rootToken();
        http.post("sys/mounts/rabbitmq", root, Map.of("type", "rabbitmq"));
        Reply connection = http.post("rabbitmq/config/connection", root,
                Map.of("connection_uri", MANAGEMENT, "username", "guest", "password", "guest"));
        assertThat(connection.status()).as(connection.text()).isEqualTo(204);
        http.post("rabbitmq/config/lease", root, Map.of("ttl", 600, "max_ttl", 3600));
        http.post("rabbitmq/roles/app", root, Map.of("vhosts", "{\"/\":{\"configure\":\"^$\",\"write\":\".*\",\"read\":\".*\"}}"));
    }

    @AfterEach
    void stop() {
        emulator.close(); // revokes what is left, deleting its users
    }

    static int managementStatus(String path) throws Exception {
        String auth = Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(URI.create(MANAGEMENT + path)).header("Authorization", "Basic " + auth).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static Connection connect(String username, String password) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(5672);
        f.setUsername(username);
        f.setPassword(password);
        f.setAutomaticRecoveryEnabled(false);
        return f.newConnection("vault-emulator-it");
    }

    @Test
    void credentialsAreARealBrokerUserThatCanConnectAndRevokingTheLeaseDeletesItAndClosesItsConnection() throws Exception {
        Reply creds = http.get("rabbitmq/creds/app", root);
        String username = creds.json().at("/data/username").asText();
        String password = creds.json().at("/data/password").asText();

        assertThat(creds.json().get("lease_id").asText()).startsWith("rabbitmq/creds/app/");
        assertThat(creds.json().get("lease_duration").asLong()).isEqualTo(600);
        assertThat(creds.json().get("renewable").asBoolean()).isTrue();
        assertThat(managementStatus("/api/users/" + username)).isEqualTo(200);
        assertThat(managementStatus("/api/permissions/%2F/" + username)).isEqualTo(200);
        Connection connection = connect(username, password);
        try {
            assertThat(connection.isOpen()).isTrue();

            Reply revoke = http.put("sys/leases/revoke", root, Map.of("lease_id", creds.json().get("lease_id").asText()));

            assertThat(revoke.status()).isEqualTo(204);
            assertThat(managementStatus("/api/users/" + username)).isEqualTo(404);
            await().atMost(Duration.ofSeconds(10)).until(() -> !connection.isOpen());
            assertThat(connection.getCloseReason().getMessage()).contains("CONNECTION_FORCED").contains("is deleted");
        } finally {
            connection.abort(); // already closed by the broker; abort() never throws
        }
    }

    @Test
    void theUserIsDeletedWhenItsLeaseExpiresOnTheMovedClock() throws Exception {
        String username = http.get("rabbitmq/creds/app", root).json().at("/data/username").asText();

        emulator.clock().advance(Duration.ofMinutes(9));
        int beforeExpiry = managementStatus("/api/users/" + username);
        emulator.clock().advance(Duration.ofMinutes(2));

        assertThat(beforeExpiry).isEqualTo(200);
        assertThat(managementStatus("/api/users/" + username)).isEqualTo(404);
    }

    @Test
    void renewalExtendsTheLeaseUpToItsMaxTtl() throws Exception {
        Reply creds = http.get("rabbitmq/creds/app", root);
        String leaseId = creds.json().get("lease_id").asText();
        String username = creds.json().at("/data/username").asText();

        emulator.clock().advance(Duration.ofMinutes(8));
        Reply renewed = http.put("sys/leases/renew", root, Map.of("lease_id", leaseId, "increment", 1800));
        emulator.clock().advance(Duration.ofMinutes(20));
        Reply lookup = http.put("sys/leases/lookup", root, Map.of("lease_id", leaseId));
        int afterFirstTtl = managementStatus("/api/users/" + username);
        Reply capped = http.put("sys/leases/renew/" + leaseId, root, Map.of("increment", 7200));

        assertThat(renewed.status()).isEqualTo(200);
        assertThat(renewed.json().get("lease_id").asText()).isEqualTo(leaseId);
        assertThat(renewed.json().get("lease_duration").asLong()).isEqualTo(1800);
        assertThat(lookup.json().at("/data/id").asText()).isEqualTo(leaseId);
        assertThat(lookup.json().at("/data/ttl").asLong()).isEqualTo(600);
        assertThat(lookup.json().at("/data/renewable").asBoolean()).isTrue();
        assertThat(afterFirstTtl).isEqualTo(200);
        // Issued 28 minutes ago with a max TTL of one hour: 32 minutes are left, whatever was asked.
        assertThat(capped.json().get("lease_duration").asLong()).isEqualTo(32 * 60);
    }

    @Test
    void revokingTheTokenThatGotTheCredentialsRevokesTheirLease() throws Exception {
        http.policy(root, "app", "path \"rabbitmq/creds/app\" { capabilities = [\"read\"] }");
        String token = http.tokenWith(root, "app");
        String username = http.get("rabbitmq/creds/app", token).json().at("/data/username").asText();

        http.post("auth/token/revoke-self", token, null);

        assertThat(username).startsWith("token-");
        assertThat(managementStatus("/api/users/" + username)).isEqualTo(404);
    }

    @Test
    void aWrongManagementPasswordIsRejectedWhenTheConnectionIsConfigured() {
        Reply r = http.post("rabbitmq/config/connection", root,
                Map.of("connection_uri", MANAGEMENT, "username", "guest", "password", "wrong"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text()).doesNotContain("wrong");
    }

    @Test
    void roleTagsAndTopicPermissionsAreGivenToTheUser() throws Exception {
        http.post("rabbitmq/roles/tagged", root, Map.of("tags", "monitoring",
                "vhosts", "{\"/\":{\"configure\":\"\",\"write\":\"^orders$\",\"read\":\".*\"}}",
                "vhost_topics", "{\"/\":{\"amq.topic\":{\"write\":\"^order\\\\.\",\"read\":\".*\"}}}"));
        Reply role = http.get("rabbitmq/roles/tagged", root);
        String username = http.get("rabbitmq/creds/tagged", root).json().at("/data/username").asText();

        assertThat(role.json().at("/data/vhosts/~1/write").asText()).isEqualTo("^orders$");
        assertThat(managementBody("/api/users/" + username)).contains("monitoring");
        assertThat(managementBody("/api/permissions/%2F/" + username)).contains("\"write\":\"^orders$\"");
        assertThat(managementBody("/api/topic-permissions/%2F/" + username)).contains("amq.topic");
    }

    static String managementBody(String path) throws Exception {
        String auth = Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(URI.create(MANAGEMENT + path)).header("Authorization", "Basic " + auth).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void anUnknownRoleIsA400() {
        Reply r = http.get("rabbitmq/creds/nobody", root);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/errors/0").asText()).isEqualTo("unknown role: nobody");
    }
}
