package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.Database;
import io.github.microkit.samples.common.DatabaseSettings;
import io.github.microkit.samples.common.Http;
import io.github.microkit.samples.common.BearerAuth;
import io.github.microkit.samples.common.ServiceSchemaException;
import io.github.microkit.samples.common.ServiceSettings;
import io.github.microkit.samples.common.Startup;
import io.github.microkit.auth.JwtVerifier;
import io.github.microkit.auth.JwtVerifierConfig;
import io.github.microkit.config.ConfigException;
import io.github.microkit.config.EnvConfig;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import io.github.microkit.health.HealthRegistry;
import io.github.microkit.health.HealthStatus;
import io.github.microkit.messaging.MicrometerMessagingMetrics;
import io.github.microkit.messaging.PublisherConfig;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.outbox.IdempotencyStore;
import io.github.microkit.outbox.MicrometerOutboxMetrics;
import io.github.microkit.outbox.Outbox;
import io.github.microkit.outbox.OutboxRelay;
import io.github.microkit.outbox.OutboxRelayConfig;
import io.github.microkit.outbox.SchemaException;
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
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The producer, top to bottom: configuration from the environment, secrets, database, broker connection and
 * topology, the outbox relay ({@code PUBLISH_MODE=outbox}), token verifier, routes, and a shutdown that loses no
 * accepted order.
 *
 * <pre>
 * JWT_ISSUER=http://127.0.0.1:8090/default java -jar sample-producer/target/sample-producer.jar
 * </pre>
 */
public final class ProducerMain {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerMain.class);
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
        } catch (SchemaException | ServiceSchemaException e) {
            // the database's schema is missing or newer than this code: the message says which and how to fix it
            LOG.error("cannot start: {}", e.getMessage());
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
        ProducerSettings producerSettings = ProducerSettings.fromEnv(env);
        settings = producerSettings.common();
        PublishMode mode = producerSettings.publishMode();

        // 2. tokens: keys from the issuer's discovery document (or JWT_JWKS_URI), refreshed in the background;
        //    fetched on another thread meanwhile, as they do not depend on anything below (start-up time)
        CompletableFuture<JwtVerifier> verifierReady = Startup.inBackground("jwt-keys", () -> {
            JwtVerifierConfig jwtConfig = JwtVerifierConfig.defaults(settings.jwtIssuer(), settings.jwtAudience());
            return settings.jwtJwksUri()
                    .map(uri -> JwtVerifier.forJwksUri(jwtConfig, uri))
                    .orElseGet(() -> JwtVerifier.forIssuer(jwtConfig));
        });
        closeLater(() -> verifierReady.thenAccept(JwtVerifier::close));

        // 3. metrics: the broker connection reports to them
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);

        // 4. secrets: with VAULT_ADDR, RabbitMQ credentials may come from Vault (a new broker user per lease)
        HealthRegistry health = HealthRegistry.create();
        health.register("shutdown", () -> inFlight.draining() ? Health.down("shutting down") : Health.up("serving"));
        RabbitConfig rabbitConfig = settings.rabbit();
        DatabaseSettings databaseSettings = settings.database();
        Optional<LeasedSecret> rabbitLease = Optional.empty();
        if (settings.vault().isPresent()) {
            VaultClient vault = closeLater(VaultClient.connect(settings.vault().get()));
            health.register("vault", vault.healthCheck());
            // database.username/database.password of the service's KV secret, when there, over DATABASE_*
            databaseSettings = Database.credentialsFromVault(vault, settings);
            if (settings.vaultRabbitRole().isPresent()) {
                LeasedSecret lease = vault.rabbitmqCredentials(settings.vaultRabbitRole().get());
                // every new or recovering connection logs in with the lease in force at that moment
                rabbitConfig = RabbitConfig.from(rabbitConfig).credentialsProvider(RotatingCredentialsProvider.of(lease)).build();
                rabbitLease = Optional.of(lease);
                LOG.info("RabbitMQ credentials from Vault role {} (lease {})", settings.vaultRabbitRole().get(),
                        lease.current().leaseId());
            }
        }

        // 5. database: the pool, microkit's outbox and idempotency tables and our own (migrated, or verified with
        //    DATABASE_MIGRATE=false), opened on another thread while the broker connects; closed last
        DatabaseSettings databaseToOpen = databaseSettings; // the lambda needs a final one
        CompletableFuture<Database> databaseReady = Startup.inBackground("database", () -> Database.open(databaseToOpen,
                ProducerSettings.SERVICE, "classpath:db/producer", "producer_schema_history"));
        closeLater(() -> databaseReady.thenAccept(Database::close));

        // 6. broker: connect, declare what we publish to, open a confirming publisher (fed by the outbox relay in
        //    outbox mode, by the requests themselves in confirm mode)
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
        metrics.gauge("publisher.in.flight", publisher, Publisher::inFlight);

        // 7. orders: Idempotency-Keys and orders in the database; in outbox mode the relay publishes what the
        //    requests committed to the outbox
        Database database = Startup.await(databaseReady);
        health.register("database", database.healthCheck());
        DataSource dataSource = database.dataSource();
        IdempotencyStore idempotencyKeys = IdempotencyStore.create(dataSource); // kept 24 h (DESIGN.md)
        OrderBook orderBook = new OrderBook(dataSource, idempotencyKeys, Outbox.create());
        metrics.gauge("orders.in.store", orderBook, OrderBook::size);
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(daemon("housekeeping"));
        closeLater(housekeeping::shutdownNow);
        housekeeping.scheduleWithFixedDelay(() -> purgeExpiredKeys(idempotencyKeys), 1, 60, TimeUnit.MINUTES);
        if (mode == PublishMode.OUTBOX) {
            // 202 at the commit. The broker is no longer needed to accept orders, so its absence only DEGRADES
            // readiness; the relay's health shows the backlog meanwhile.
            OutboxRelay relay = closeLater(OutboxRelay.start(dataSource, publisher, OutboxRelayConfig.builder()
                    .metrics(MicrometerOutboxMetrics.of(metrics))
                    .build()));
            health.register("outbox-relay", relay.health());
            health.register("rabbitmq", degradedWhenDown(rabbit.healthCheck(), "orders wait in the outbox"));
        } else {
            health.register("rabbitmq", rabbit.healthCheck());
        }

        // 8. tokens: the verifier fetched its keys while the broker connected (step 2)
        // an IdP away at start: the verifier retries the key warm-up itself, and jwt-keys turns UP then
        JwtVerifier verifier = Startup.await(verifierReady);
        health.register("jwt-keys", verifier.keyHealth());

        // 9. routes: the JWT check is the before-handler of /orders, in plain sight
        BearerAuth auth = new BearerAuth(verifier);
        OrdersEndpoint orders = new OrdersEndpoint(mode, publisher, orderBook, metrics, Clock.systemUTC());
        http = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.port = settings.httpPort();
            config.http.maxRequestSize = OrdersEndpoint.MAX_BODY_BYTES;
            Http.errorHandling(config);
            Http.operations(config, health, metrics);
            // counted from the first before-handler to the last after-handler: the shutdown waits for it
            config.routes.before("/orders", inFlight::enter);
            config.routes.before("/orders", auth.requireScope("orders:write"));
            config.routes.post("/orders", orders::placeOrder);
            config.routes.after("/orders", inFlight::exit);
        });
        http.start();
        LOG.info("{} ready on port {} in {} ms (publish mode {}, broker {}, database {}, issuer {})",
                ProducerSettings.SERVICE, http.port(), (System.nanoTime() - started) / 1_000_000,
                mode.name().toLowerCase(Locale.ROOT), rabbitConfig.describeTarget(),
                databaseToOpen.describeTarget(), settings.jwtIssuer());
    }

    /**
     * Graceful stop, within {@code SHUTDOWN_TIMEOUT}: readiness turns DOWN and new orders get 503, running
     * requests finish (their publishes are confirmed or failed, or their transactions committed), then the
     * server, the outbox relay (it finishes the batch in hand and releases the rest for the next start or
     * another replica), the publisher (which waits for outstanding confirms), the connection, the database pool,
     * the Vault session and the verifier close.
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

    /** A broker that is away is DEGRADED, not DOWN, for a service that does not need it to accept work. */
    private static HealthCheck degradedWhenDown(HealthCheck check, String meanwhile) {
        return () -> {
            Health health = check.check();
            return health.status() == HealthStatus.DOWN
                    ? Health.degraded(health.detail() + "; " + meanwhile).withFacts(health.facts())
                    : health;
        };
    }

    private static void purgeExpiredKeys(IdempotencyStore keys) {
        try {
            int purged = keys.purgeExpired();
            if (purged > 0) {
                LOG.info("deleted {} expired Idempotency-Keys", purged);
            }
        } catch (RuntimeException e) {
            LOG.warn("deleting expired Idempotency-Keys failed (next try in an hour): {}", e.getMessage());
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        toClose.push(resource);
        return resource;
    }
}
