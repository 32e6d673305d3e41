package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.microkit.health.HealthStatus;
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
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import io.github.microkit.testing.vault.VaultEmulatorExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Dynamic RabbitMQ users from Vault's RabbitMQ engine (the emulator creates real users in the real broker at
 * 127.0.0.1:5672 through its management API): leases renewed, replaced before their max TTL, the listener
 * told, the credentials provider handing new connections the new user, old users gone after their leases.
 * Moving live connections over is {@code messaging}'s part.
 */
class RabbitCredentialsRotationIT {

    @RegisterExtension
    static final VaultEmulatorExtension VAULT = VaultEmulatorExtension.create();

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static VaultTarget vault;
    private static String engine;

    @BeforeAll
    static void start() {
        vault = VaultTarget.of(VAULT);
        vault.requireEmulator("moves Vault's clock through several lease lifetimes");
        engine = vault.rabbitEngine("mk-rabbit", "app");
    }

    @AfterAll
    static void stop() {
        if (vault != null) {
            vault.close();
        }
    }

    private static int brokerUserStatus(String user) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:15672/api/users/"
                        + URLEncoder.encode(user, StandardCharsets.UTF_8)))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8)))
                .GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void openAndUse(ConnectionFactory factory) throws Exception {
        try (Connection connection = factory.newConnection("rotation-test"); Channel channel = connection.createChannel()) {
            channel.queueDeclare("", false, true, true, null);
        }
    }

    @Test
    void dynamicRabbitCredentialsRotateSeveralTimesAndNewConnectionsUseTheNewUser() throws Exception {
        try (VaultClient client = VaultClient.connect(VaultSettings.builder(vault.address(),
                VaultAuth.token(vault.rootToken())).clock(vault.clock()).checkInterval(Duration.ofMillis(10)).build())) {
            VaultLease lease = (VaultLease) client.lease(engine + "/creds/app");
            List<Lease> rotations = new CopyOnWriteArrayList<>();
            List<Lease> replaced = new CopyOnWriteArrayList<>();
            lease.onRotation((previous, next) -> {
                replaced.add(previous);
                rotations.add(next);
            });
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost("127.0.0.1");
            factory.setPort(5672);
            factory.setCredentialsProvider(RotatingCredentialsProvider.of(lease, "username", "password", vault.clock()));

            List<String> users = new ArrayList<>();
            users.add(lease.current().require("username").reveal());
            openAndUse(factory);

            for (int step = 0; step < 6 * 12; step++) { // 12 simulated hours in 10-minute steps
                vault.advance(Duration.ofMinutes(10));
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10))
                        .until(() -> lease.actAt().isAfter(vault.clock().instant()));
                String user = lease.current().require("username").reveal();
                assertThat(brokerUserStatus(user)).as("the current user exists at every moment").isEqualTo(200);
                if (!users.contains(user)) {
                    users.add(user);
                    openAndUse(factory); // a new connection logs in as the new user
                }
            }

            // max TTL 3h: 12h need at least 4 users, each replaced before its lease ended
            assertThat(rotations).hasSizeGreaterThanOrEqualTo(3);
            assertThat(users).doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(4);
            List<Lease> ended = replaced.stream()
                    .filter(l -> !l.expiresAt().isAfter(vault.clock().instant())).toList();
            assertThat(ended).hasSizeGreaterThanOrEqualTo(3);
            for (Lease old : ended) {
                String user = old.require("username").reveal();
                assertThat(brokerUserStatus(user)).as("user %s removed when its lease ended", user).isEqualTo(404);
            }
            String current = users.get(users.size() - 1);
            assertThat(brokerUserStatus(current)).isEqualTo(200);
            assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

            lease.close();
            assertThat(brokerUserStatus(current)).as("revoked on close").isEqualTo(404);
        }
    }

    @Test
    void leasesObtainedByATokenAreReplacedWhenTheSessionLogsInAgainSinceTheyEndWithThatToken() throws Exception {
        String policy = vault.policy("path \"" + engine + "/creds/app\" { capabilities = [\"read\"] }\n"
                + "path \"sys/leases/renew\" { capabilities = [\"update\"] }\n"
                + "path \"sys/leases/revoke\" { capabilities = [\"update\"] }");
        VaultTarget.AppRole role = vault.appRole(List.of(policy), "1h", "2h");
        try (VaultClient client = VaultClient.connect(VaultSettings.builder(vault.address(),
                        VaultAuth.appRole(role.roleId(), role.secretId()).atMount(role.mount()))
                .clock(vault.clock()).checkInterval(Duration.ofMillis(10)).build())) {
            VaultLease lease = (VaultLease) client.lease(engine + "/creds/app");
            List<String> users = new ArrayList<>();
            List<String> accessors = new ArrayList<>();
            for (int step = 0; step < 6 * 6; step++) { // 6 hours; each token lives at most 2
                vault.advance(Duration.ofMinutes(10));
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10))
                        .until(() -> lease.actAt().isAfter(vault.clock().instant())
                                && client.session().state().map(s -> s.actAt().isAfter(vault.clock().instant())).orElse(false));
                String user = lease.current().require("username").reveal();
                assertThat(brokerUserStatus(user)).as("the current user exists at every moment").isEqualTo(200);
                if (!users.contains(user)) {
                    users.add(user);
                }
                String accessor = client.session().state().orElseThrow().accessor();
                if (!accessors.contains(accessor)) {
                    accessors.add(accessor);
                }
            }
            assertThat(accessors).hasSizeGreaterThanOrEqualTo(3);
            assertThat(users).as("a new user under each new token").hasSizeGreaterThanOrEqualTo(accessors.size());
        }
    }

    @Test
    void aLeaseWhoseRenewalFailsKeepsItsValuesWithHealthDegradedAndRenewsWhenVaultIsBack() throws Exception {
        try (TcpGate gate = new TcpGate(vault.address());
             VaultClient client = VaultClient.connect(VaultSettings.builder(gate.address(),
                             VaultAuth.token(vault.rootToken())).clock(vault.clock()).checkInterval(Duration.ofMillis(10))
                     .retry(new RetryPolicy(2, Duration.ofMillis(5), Duration.ofMillis(10))).build())) {
            VaultLease lease = (VaultLease) client.lease(engine + "/creds/app");
            Lease first = lease.current();

            gate.cut();
            vault.advance(Duration.ofMinutes(45)); // past 2/3 of the hour: renewal is due
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED));
            assertThat(lease.current().leaseId()).isEqualTo(first.leaseId());
            assertThat(brokerUserStatus(first.require("username").reveal())).as("still valid").isEqualTo(200);

            gate.restore();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.UP));
            assertThat(lease.current().expiresAt()).as("renewed").isAfter(first.expiresAt());
        }
    }
}
