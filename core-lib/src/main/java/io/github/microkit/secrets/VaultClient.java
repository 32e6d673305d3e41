package io.github.microkit.secrets;

import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import io.github.microkit.health.HealthStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session with Vault that looks after itself: it logs in, renews its token at about 2/3 of the TTL,
 * logs in again when the token cannot be renewed, keeps cached KV values and dynamic-secret leases fresh on
 * a background thread, and revokes what it obtained on {@link #close()}.
 *
 * <pre>{@code
 * try (VaultClient vault = VaultClient.connect(VaultSettings.builder(URI.create("http://127.0.0.1:8200"),
 *         VaultAuth.appRole("producer", Path.of("/etc/vault/secret-id"))).build())) {
 *     Secret apiKey = vault.kv("secret").source("microkit/producer").require("api-key");
 *     LeasedSecret rabbit = vault.lease("rabbitmq/creds/producer");
 *     rabbit.onRotation((old, next) -> LOG.info("RabbitMQ user rotated to {}", next.leaseId()));
 * }
 * }</pre>
 */
public final class VaultClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VaultClient.class);

    private final VaultSettings settings;
    private final VaultTransport transport;
    private final VaultSession session;
    private final List<Maintained> maintained = new CopyOnWriteArrayList<>();
    private final Map<String, SecretSource> kvSources = new ConcurrentHashMap<>();
    private final ScheduledExecutorService background;

    private VaultClient(VaultSettings settings) {
        this.settings = settings;
        this.transport = new VaultTransport(settings);
        this.session = new VaultSession(settings, transport);
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "microkit-vault");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects: with {@link VaultSettings#failFast()} (the default) the first login happens now and its
     * failure is thrown; otherwise it is tried in the background and health reports DOWN until it works.
     */
    public static VaultClient connect(VaultSettings settings) {
        Objects.requireNonNull(settings, "settings");
        VaultClient client = new VaultClient(settings);
        if (settings.failFast()) {
            try {
                client.session.token();
            } catch (RuntimeException e) {
                client.background.shutdownNow();
                throw e;
            }
        }
        long every = settings.checkInterval().toMillis();
        client.background.scheduleWithFixedDelay(client::maintain, every, every, TimeUnit.MILLISECONDS);
        LOG.info("Vault client for {} started ({})", settings.address(), settings.auth());
        return client;
    }

    /** The KV v2 engine mounted at {@code mount} (e.g. {@code secret}). */
    public KvV2 kv(String mount) {
        return new DriverKv(mount, session, transport, this);
    }

    /**
     * A dynamic secret at {@code path}, read now and then renewed and replaced in the background. Throws
     * {@link SecretAccessException} when the first read fails.
     */
    public LeasedSecret lease(String path) {
        Objects.requireNonNull(path, "path");
        if (path.isBlank() || path.startsWith("/")) {
            throw new IllegalArgumentException("a lease path is like 'rabbitmq/creds/producer': " + path);
        }
        return register(new VaultLease(path, session, transport, settings));
    }

    /** Vault's RabbitMQ secrets engine at {@code rabbitmq/}: a broker user per lease for {@code role}. */
    public LeasedSecret rabbitmqCredentials(String role) {
        Objects.requireNonNull(role, "role");
        return lease("rabbitmq/creds/" + role);
    }

    /**
     * The session's and every cached source's and lease's state: UP; DEGRADED while Vault cannot be asked
     * but cached values and leases still serve; DOWN when a login was rejected or a value can no longer be
     * served. Cheap: reports what is known, never calls Vault.
     */
    public HealthCheck healthCheck() {
        return () -> {
            Health s = session.health();
            HealthStatus status = s.status();
            Map<String, Object> facts = new LinkedHashMap<>(s.facts());
            String detail = s.detail();
            for (Maintained m : maintained) {
                Health h = m.health();
                facts.put(m.name(), h.status() + ": " + h.detail());
                if (h.status().compareTo(status) > 0) {
                    status = h.status();
                    detail = h.detail();
                }
            }
            // a session that cannot reach Vault is only DEGRADED if what it serves is still good
            return new Health(status, detail, facts);
        };
    }

    /** For tests in this package that look at the token's state. */
    VaultSession session() {
        return session;
    }

    VaultSettings settings() {
        return settings;
    }

    <T extends Maintained> T register(T item) {
        maintained.add(item);
        return item;
    }

    /** One cached source per mount and path, however often it is asked for. */
    SecretSource kvSource(String mount, String path, Supplier<VaultKvSource> create) {
        return kvSources.computeIfAbsent(mount + "\u0000" + path, k -> register(create.get()));
    }

    /** One background step; also run by tests that move the clock. */
    void maintain() {
        try {
            session.maintain();
            maintained.removeIf(Maintained::finished);
            for (Maintained m : maintained) {
                m.maintain();
            }
        } catch (RuntimeException e) {
            // the background thread must survive anything
            LOG.warn("Vault background step failed: {}", e.getClass().getName());
        }
    }

    /** Stops the background thread, revokes leases, then revokes the token if microkit obtained it. */
    @Override
    public void close() {
        background.shutdownNow();
        try {
            background.awaitTermination(settings.requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Maintained m : maintained) {
            m.stop();
        }
        session.close();
        LOG.info("Vault client for {} closed", settings.address());
    }

    @Override
    public String toString() {
        return "VaultClient[" + settings.address() + ", " + settings.auth() + "]";
    }
}
