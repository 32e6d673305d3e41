package io.github.microkit.secrets;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.microkit.testing.vault.VaultEmulatorExtension;
import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A full run of the secrets package, in a JVM of its own started by {@link NoSecretInLogsIT} so that all its
 * output (slf4j-simple at TRACE, java.util.logging at ALL, stray stack traces) is captured from the first
 * line. Every secret value it meets goes to the file named by the first argument, never to the output.
 * Failures along the way are logged with their stack traces on purpose: messages must be safe to log.
 */
final class LeakScenario {

    private static final Logger LOG = LoggerFactory.getLogger(LeakScenario.class);
    private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();

    private LeakScenario() {
    }

    private static Secret remember(Secret s) {
        VALUES.add(s.reveal());
        return s;
    }

    private static String value(String prefix) {
        String v = prefix + "-" + UUID.randomUUID();
        VALUES.add(v);
        return v;
    }

    private static void attempt(String what, Runnable step) {
        try {
            step.run();
            LOG.info("step '{}' done", what);
        } catch (RuntimeException e) {
            LOG.warn("step '{}' failed as it may: {}", what, e.toString(), e);
        }
    }

    public static void main(String[] args) throws Exception {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(Level.ALL);
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(Level.ALL);
        root.addHandler(console);
        Path valuesFile = Path.of(args[0]);
        // one marker per channel, so the test can tell the capture covers each of them
        System.out.println("marker:stdout");
        System.err.println("marker:stderr");
        java.util.logging.Logger.getLogger(LeakScenario.class.getName()).fine("marker:jul");
        LOG.trace("marker:slf4j-trace");
        try {
            run();
        } finally {
            Files.write(valuesFile, VALUES, StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("try") // the trace scope is used for its side effect
    private static void run() throws Exception {
        VaultEmulatorExtension extension = VaultEmulatorExtension.create();
        extension.beforeAll(null); // no JUnit here: the extension's start ignores its context
        try (VaultTarget vault = VaultTarget.of(extension);
             CurrentTrace.Scope ignored = CurrentTrace.open(TraceContext.newRoot())) {
            if (!vault.emulated()) {
                // the emulator's root token is the documented dev value "root", like `vault server -dev`
                remember(vault.rootToken());
            }
            String mount = vault.kvMount();
            String apiKey = value("api-key");
            String dbPassword = value("db-password");
            String privateValue = value("private");
            vault.root("POST", mount + "/data/app/config", Map.of("data", Map.of("api-key", apiKey, "db-password", dbPassword)));
            vault.root("POST", mount + "/data/other/private", Map.of("data", Map.of("secret", privateValue)));
            String policy = vault.policy("path \"" + mount + "/data/app/*\" { capabilities = [\"read\", \"create\", \"update\"] }\n"
                    + "path \"" + mount + "/metadata/app/*\" { capabilities = [\"read\"] }");
            VaultTarget.AppRole role = vault.appRole(List.of(policy), "1h", "3h");
            remember(role.secretId());
            Path secretIdFile = Files.createTempFile("secret-id", "");
            Files.writeString(secretIdFile, role.secretId().reveal());

            VaultSettings settings = VaultSettings.builder(vault.address(),
                            VaultAuth.appRole(role.roleId(), secretIdFile).atMount(role.mount()))
                    .clock(vault.clock()).checkInterval(Duration.ofMillis(10))
                    .retry(new RetryPolicy(2, Duration.ofMillis(5), Duration.ofMillis(10))).build();
            LOG.info("settings {}", settings);
            try (VaultClient client = VaultClient.connect(settings)) {
                remember(client.session().state().orElseThrow().token());
                SecretSource source = SecretSource.firstOf(client.kv(mount).source("app/config"),
                        SecretSource.environment(Map.of("FALLBACK", value("env"))));
                LOG.info("read {} and {}", source.require("api-key"), source.require("db-password"));
                LOG.info("fallback {}", source.require("fallback"));
                KvReadResult read = client.kv(mount).read("app/config");
                LOG.info("kv {} {}", read, read.secret().orElseThrow());
                attempt("forbidden read", () -> client.kv(mount).read("other/private"));
                attempt("cas mismatch", () -> client.kv(mount).write("app/config", Map.of("api-key", value("cas")), 0));
                attempt("write", () -> client.kv(mount).write("app/written", Map.of("k", value("written"))));
                attempt("metadata", () -> LOG.info("metadata {}", client.kv(mount).metadata("app/config")));
                attempt("missing secret", () -> source.require("no-such-key"));

                String accessor = client.session().state().orElseThrow().accessor();
                vault.root("POST", "auth/token/revoke-accessor", Map.of("accessor", accessor));
                attempt("read after revocation", () -> client.kv(mount).read("app/config"));
                remember(client.session().state().orElseThrow().token());

                if (vault.emulated()) {
                    vault.emulator().seal();
                    attempt("sealed read", () -> client.kv(mount).read("app/config"));
                    vault.emulator().unseal();
                    for (int i = 0; i < 30; i++) { // 5 simulated hours: renewals and a max-TTL re-login
                        vault.advance(Duration.ofMinutes(10));
                        client.maintain();
                        remember(client.session().state().orElseThrow().token());
                    }
                    rabbit(vault);
                }
                LOG.info("health {}", client.healthCheck().check());
            }

            MovableClock clock = new MovableClock();
            Secret token = remember(vault.token(List.of(policy), "768h", "768h"));
            try (TcpGate gate = new TcpGate(vault.address());
                 VaultClient client = VaultClient.connect(VaultSettings.builder(gate.address(), VaultAuth.token(token))
                         .clock(clock).refreshInterval(Duration.ofMinutes(1)).maxStaleness(Duration.ofMinutes(2))
                         .retry(RetryPolicy.none()).build())) {
                SecretSource source = client.kv(mount).source("app/config");
                source.require("api-key");
                gate.cut();
                clock.advance(Duration.ofSeconds(90)); // past the refresh interval, within the staleness limit
                attempt("stale read", () -> LOG.info("stale {}", source.require("api-key")));
                clock.advance(Duration.ofMinutes(5));
                attempt("too stale read", () -> source.require("api-key"));
                client.maintain();
                LOG.info("health during outage {}", client.healthCheck().check());
                gate.restore();
                client.maintain();
                LOG.info("health after outage {}", client.healthCheck().check());
            }

            String wrong = value("wrong-secret-id");
            attempt("rejected login", () -> VaultClient.connect(VaultSettings.builder(vault.address(),
                    VaultAuth.appRole(role.roleId(), Secret.of("secret-id", wrong)).atMount(role.mount())).build()));
            attempt("given token that is not valid", () -> VaultClient.connect(VaultSettings.builder(vault.address(),
                    VaultAuth.token(Secret.of("t", value("bogus-token")))).build()));
        } finally {
            extension.afterAll(null);
        }
    }

    private static void rabbit(VaultTarget vault) throws Exception {
        String engine = "mk-rabbit-" + Long.toHexString(System.nanoTime());
        vault.root("POST", "sys/mounts/" + engine, Map.of("type", "rabbitmq"));
        vault.root("POST", engine + "/config/connection", Map.of("connection_uri", "http://127.0.0.1:15672",
                "username", "guest", "password", "guest"));
        vault.root("POST", engine + "/config/lease", Map.of("ttl", 3600, "max_ttl", 7200));
        vault.root("POST", engine + "/roles/app", Map.of("vhosts", "{\"/\":{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}}"));
        String policy = vault.policy("path \"" + engine + "/creds/app\" { capabilities = [\"read\"] }\n"
                + "path \"sys/leases/renew\" { capabilities = [\"update\"] }\n"
                + "path \"sys/leases/revoke\" { capabilities = [\"update\"] }");
        Secret token = remember(vault.token(List.of(policy), "768h", "768h"));
        try (VaultClient client = VaultClient.connect(VaultSettings.builder(vault.address(), VaultAuth.token(token))
                .clock(vault.clock()).build());
             LeasedSecret lease = client.lease(engine + "/creds/app")) {
            remember(lease.current().require("password"));
            lease.onRotation((previous, next) -> {
                remember(next.require("password"));
                LOG.info("rotated from {} to {}", previous, next);
            });
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost("127.0.0.1");
            factory.setCredentialsProvider(RotatingCredentialsProvider.of(lease));
            for (int i = 0; i < 30; i++) { // 5 hours: renewals and at least two replacements
                vault.advance(Duration.ofMinutes(10));
                client.maintain();
                remember(lease.current().require("password"));
            }
            try (Connection connection = factory.newConnection()) {
                LOG.info("connected as the current lease's user: {}", connection.isOpen());
            }
        }
    }
}
