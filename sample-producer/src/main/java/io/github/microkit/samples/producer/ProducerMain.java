package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.ServiceSettings;
import io.github.microkit.samples.common.Http;
import io.github.microkit.samples.common.BearerAuth;
import io.github.microkit.auth.JwtVerifier;
import io.github.microkit.auth.JwtVerifierConfig;
import io.github.microkit.config.ConfigException;
import io.github.microkit.config.EnvConfig;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthRegistry;
import io.github.microkit.messaging.MicrometerMessagingMetrics;
import io.github.microkit.messaging.PublisherConfig;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.secrets.LeasedSecret;
import io.github.microkit.secrets.RotatingCredentialsProvider;
import io.github.microkit.secrets.VaultClient;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * The producer, top to bottom: configuration from the environment, secrets, broker connection and
 * topology, token verifier, routes, and a shutdown that loses no accepted order.
 *
 * <pre>
 * JWT_ISSUER=http://127.0.0.1:8090/default java -jar sample-producer/target/sample-producer.jar
 * </pre>
 */
public final class ProducerMain {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerMain.class);
    /** Keys are kept at least 24 hours (DESIGN.md); at most this many at once. */
    private static final Duration IDEMPOTENCY_RETENTION = Duration.ofHours(24);
    private static final int IDEMPOTENCY_MAX_KEYS = 1_000_000;

    private final Deque<AutoCloseable> toClose = new ArrayDeque<>(); // closed last-opened first
    private final InFlight inFlight = new InFlight();
    private ServiceSettings settings;
    private Javalin http;

    public static void main(String[] args) {
        ProducerMain producer = new ProducerMain();
        try {
            producer.start(EnvConfig.fromSystem());
        } catch (ConfigException e) {
            LOG.error("cannot start: {}", e.getMessage()); // every problem in one message, no stack trace
            producer.stop();
            System.exit(2);
        } catch (RuntimeException e) {
            LOG.error("cannot start", e);
            producer.stop();
            System.exit(1);
        }
        // SIGTERM (docker stop, Kubernetes) and Ctrl-C run the JVM's shutdown hooks
        Runtime.getRuntime().addShutdownHook(new Thread(producer::stop, "shutdown"));
    }

    void start(EnvConfig env) {
        long started = System.nanoTime();

        // 1. configuration: all of it, every problem at once
        settings = ProducerSettings.fromEnv(env);

        // 2. metrics first: the broker connection reports to them
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);

        // 3. secrets: with VAULT_ADDR, RabbitMQ credentials may come from Vault (a new broker user per lease)
        HealthRegistry health = HealthRegistry.create();
        health.register("shutdown", () -> inFlight.draining() ? Health.down("shutting down") : Health.up("serving"));
        RabbitConfig rabbitConfig = settings.rabbit();
        Optional<LeasedSecret> rabbitLease = Optional.empty();
        if (settings.vault().isPresent()) {
            VaultClient vault = closeLater(VaultClient.connect(settings.vault().get()));
            health.register("vault", vault.healthCheck());
            if (settings.vaultRabbitRole().isPresent()) {
                LeasedSecret lease = vault.rabbitmqCredentials(settings.vaultRabbitRole().get());
                // every new or recovering connection logs in with the lease in force at that moment
                rabbitConfig = RabbitConfig.from(rabbitConfig).credentialsProvider(RotatingCredentialsProvider.of(lease)).build();
                rabbitLease = Optional.of(lease);
                LOG.info("RabbitMQ credentials from Vault role {} (lease {})", settings.vaultRabbitRole().get(),
                        lease.current().leaseId());
            }
        }

        // 4. broker: connect, declare what we publish to, open a confirming publisher
        Rabbit rabbit = closeLater(Rabbit.connect(rabbitConfig, MicrometerMessagingMetrics.of(metrics)));
        rabbit.declare(OrderTopology.orders());
        // a new lease is a new broker user: move to a new connection before the old user goes (make-before-break)
        rabbitLease.ifPresent(lease -> closeLater(lease.onRotation((previous, next) -> {
            LOG.info("Vault replaced lease {} by {}: moving to a connection with the new RabbitMQ user",
                    previous.leaseId(), next.leaseId());
            rabbit.replaceConnections();
        })));
        Publisher publisher = closeLater(rabbit.publisher(PublisherConfig.builder()
                .appId(ProducerSettings.SERVICE)
                .confirmTimeout(Duration.ofSeconds(5))
                .build()));
        health.register("rabbitmq", rabbit.healthCheck());
        metrics.gauge("publisher.in.flight", publisher, Publisher::inFlight);

        // 5. tokens: keys from the issuer's discovery document (or JWT_JWKS_URI), refreshed in the background
        JwtVerifierConfig jwtConfig = JwtVerifierConfig.defaults(settings.jwtIssuer(), settings.jwtAudience());
        JwtVerifier verifier = closeLater(settings.jwtJwksUri()
                .map(uri -> JwtVerifier.forJwksUri(jwtConfig, uri))
                .orElseGet(() -> JwtVerifier.forIssuer(jwtConfig)));
        health.register("jwt-keys", verifier.keyHealth());
        closeLater(BearerAuth.retryWarmUpWhileNoKeys(verifier, Duration.ofSeconds(5)));

        // 6. routes: the JWT check is the before-handler of /orders, in plain sight
        BearerAuth auth = new BearerAuth(verifier);
        OrdersEndpoint orders = new OrdersEndpoint(publisher,
                new IdempotencyKeys(IDEMPOTENCY_RETENTION, IDEMPOTENCY_MAX_KEYS, Clock.systemUTC()),
                inFlight, metrics, Clock.systemUTC());
        http = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.port = settings.httpPort();
            config.http.maxRequestSize = OrdersEndpoint.MAX_BODY_BYTES;
            Http.errorHandling(config);
            Http.operations(config, health, metrics);
            config.routes.before("/orders", auth.requireScope("orders:write"));
            config.routes.post("/orders", orders::placeOrder);
        });
        http.start();
        LOG.info("{} ready on port {} in {} ms (broker {}, issuer {})", ProducerSettings.SERVICE, http.port(),
                (System.nanoTime() - started) / 1_000_000, rabbitConfig.describeTarget(), settings.jwtIssuer());
    }

    /**
     * Graceful stop, within {@code SHUTDOWN_TIMEOUT}: readiness turns DOWN and new orders get 503, running
     * requests finish (their publishes are confirmed or failed), then the server, the publisher (which waits
     * for outstanding confirms), the connection, the verifier and the Vault session close.
     */
    void stop() {
        Duration timeout = settings == null ? Duration.ofSeconds(20) : settings.shutdownTimeout();
        LOG.info("stopping: refusing new orders, waiting up to {} for running ones", timeout);
        try {
            int left = inFlight.drain(timeout);
            if (left > 0) {
                LOG.warn("{} requests still running after {}; closing anyway", left, timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (http != null) {
            http.stop();
        }
        while (!toClose.isEmpty()) {
            AutoCloseable resource = toClose.pop();
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
            }
        }
        LOG.info("stopped");
    }

    int port() {
        return http.port();
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        toClose.push(resource);
        return resource;
    }
}
