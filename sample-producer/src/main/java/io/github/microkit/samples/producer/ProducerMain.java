package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.BearerAuth;
import io.github.microkit.samples.common.Database;
import io.github.microkit.samples.common.DatabaseSettings;
import io.github.microkit.samples.common.Http;
import io.github.microkit.samples.common.ServiceMetrics;
import io.github.microkit.samples.common.ServiceSecrets;
import io.github.microkit.samples.common.ServiceSettings;
import io.github.microkit.samples.common.ShutdownSequence;
import io.github.microkit.samples.common.Startup;
import io.github.microkit.auth.JwtVerifier;
import io.github.microkit.config.EnvConfig;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import io.github.microkit.health.HealthRegistry;
import io.github.microkit.health.HealthStatus;
import io.github.microkit.messaging.MicrometerMessagingMetrics;
import io.github.microkit.messaging.PublisherConfig;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.outbox.IdempotencyStore;
import io.github.microkit.outbox.MicrometerOutboxMetrics;
import io.github.microkit.outbox.Outbox;
import io.github.microkit.outbox.OutboxRelay;
import io.github.microkit.outbox.OutboxRelayConfig;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The producer, top to bottom: configuration from the environment, secrets, database (on its own thread), metrics,
 * the HTTP server (on its own thread too, its orders route opened last), broker connection and topology, the outbox
 * relay ({@code PUBLISH_MODE=outbox}), token verifier, and a shutdown that loses no accepted order.
 *
 * <pre>
 * JWT_ISSUER=http://127.0.0.1:8090/default java -jar sample-producer/target/sample-producer.jar
 * </pre>
 */
public final class ProducerMain {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerMain.class);
    private final ShutdownSequence shutdown = new ShutdownSequence(); // closes last-opened first
    private final InFlight inFlight = new InFlight();
    private ServiceSettings settings;
    private Javalin http;

    public static void main(String[] args) {
        ProducerMain producer = new ProducerMain();
        // a start that fails stops again and exits (2: configuration or schema, 1: anything else);
        // one that succeeds stops at SIGTERM (docker stop, Kubernetes) and Ctrl-C
        Startup.startOrExit(() -> producer.start(EnvConfig.fromSystem()), producer::stop);
    }

    void start(EnvConfig env) {
        long started = System.nanoTime();

        // 1. configuration: all of it, every problem at once
        ProducerSettings producerSettings = ProducerSettings.fromEnv(env);
        settings = producerSettings.common();
        PublishMode mode = producerSettings.publishMode();

        // 2. tokens: keys from the issuer's discovery document (or JWT_JWKS_URI), refreshed in the background;
        //    fetched on another thread meanwhile, as they do not depend on anything below (start-up time)
        CompletableFuture<JwtVerifier> verifierReady = Startup.inBackground("jwt-keys", () -> BearerAuth.verifierFor(settings));
        shutdown.closeLater(() -> verifierReady.thenAccept(JwtVerifier::close));

        // 3. secrets: with VAULT_ADDR, the database user may come from Vault's KV secret and RabbitMQ credentials
        //    from Vault (a new broker user per lease); health: each part registers its check
        HealthRegistry health = HealthRegistry.create();
        health.register("shutdown", () -> inFlight.draining() ? Health.down("shutting down") : Health.up("serving"));
        ServiceSecrets secrets = shutdown.closeLater(ServiceSecrets.open(settings, health));

        // 4. database: the pool, microkit's outbox and idempotency tables and our own (migrated, or verified with
        //    DATABASE_MIGRATE=false): the longest step of the start-up, so it starts on another thread as soon as
        //    its credentials are known; closed last
        DatabaseSettings databaseSettings = secrets.database();
        CompletableFuture<Database> databaseReady = Startup.inBackground("database", () -> Database.open(databaseSettings,
                ProducerSettings.SERVICE, "classpath:db/producer", "producer_schema_history"));
        shutdown.closeLater(() -> databaseReady.thenAccept(Database::close));

        // 5. metrics: the JVM's, and the broker connection reports to them
        PrometheusMeterRegistry metrics = ServiceMetrics.create();

        // 6. HTTP: JSON errors, /health and /metrics (Http.server), and ours; the JWT check is the before-handler
        //    of /orders, in plain sight. Loading and starting Javalin and Jetty takes a fifth of the start-up, so it
        //    runs on another thread while the database and the broker connect: /health/live answers from then on,
        //    while readiness stays DOWN and /orders answers 503 until step 10 sets what they need.
        Startup.Late<Handler> requireWriteScope = Startup.late("the token check");
        Startup.Late<OrdersEndpoint> orders = Startup.late("the orders endpoint");
        health.register("startup", () -> orders.isSet() ? Health.up("started") : Health.down("starting"));
        CompletableFuture<Javalin> httpReady = Startup.inBackground("http", () -> Http.server(settings.httpPort(),
                health, metrics, config -> {
                    config.http.maxRequestSize = OrdersEndpoint.MAX_BODY_BYTES;
                    // counted from the first before-handler to the last after-handler: the shutdown waits for it
                    config.routes.before("/orders", inFlight::enter);
                    config.routes.before("/orders", ctx -> requireWriteScope.get().handle(ctx));
                    config.routes.post("/orders", ctx -> orders.get().placeOrder(ctx));
                    config.routes.after("/orders", inFlight::exit);
                }).start());

        // 7. broker: connect, declare what we publish to, open a confirming publisher (fed by the outbox relay in
        //    outbox mode, by the requests themselves in confirm mode)
        Rabbit rabbit = shutdown.closeLater(Rabbit.connect(secrets.rabbit(), MicrometerMessagingMetrics.of(metrics)));
        rabbit.declare(OrderTopology.orders());
        // a new lease is a new broker user: move to a new connection before the old user goes (make-before-break)
        shutdown.closeLater(secrets.replaceConnectionsOnRotation(rabbit));
        Publisher publisher = shutdown.closeLater(rabbit.publisher(PublisherConfig.builder()
                .appId(ProducerSettings.SERVICE)
                .confirmTimeout(Duration.ofSeconds(5))
                .build()));
        metrics.gauge("publisher.in.flight", publisher, Publisher::inFlight);

        // 8. orders: Idempotency-Keys and orders in the database; in outbox mode the relay publishes what the
        //    requests committed to the outbox
        Database database = Startup.await(databaseReady);
        health.register("database", database.healthCheck());
        DataSource dataSource = database.dataSource();
        IdempotencyStore idempotencyKeys = IdempotencyStore.create(dataSource); // kept 24 h (DESIGN.md)
        OrderBook orderBook = new OrderBook(dataSource, idempotencyKeys, Outbox.create());
        metrics.gauge("orders.in.store", orderBook, OrderBook::size);
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(daemon("housekeeping"));
        shutdown.closeLater(housekeeping::shutdownNow);
        housekeeping.scheduleWithFixedDelay(() -> purgeExpiredKeys(idempotencyKeys), 1, 60, TimeUnit.MINUTES);
        if (mode == PublishMode.OUTBOX) {
            // 202 at the commit. The broker is no longer needed to accept orders, so its absence only DEGRADES
            // readiness; the relay's health shows the backlog meanwhile.
            OutboxRelay relay = shutdown.closeLater(OutboxRelay.start(dataSource, publisher, OutboxRelayConfig.builder()
                    .metrics(MicrometerOutboxMetrics.of(metrics))
                    .build()));
            health.register("outbox-relay", relay.health());
            health.register("rabbitmq", degradedWhenDown(rabbit.healthCheck(), "orders wait in the outbox"));
        } else {
            health.register("rabbitmq", rabbit.healthCheck());
        }

        // 9. tokens: the verifier fetched its keys while the broker connected (step 2)
        // an IdP away at start: the verifier retries the key warm-up itself, and jwt-keys turns UP then
        JwtVerifier verifier = Startup.await(verifierReady);
        health.register("jwt-keys", verifier.keyHealth());

        // 10. open /orders: the token check and the endpoint, then readiness turns UP (its last check, startup)
        requireWriteScope.set(new BearerAuth(verifier).requireScope("orders:write"));
        orders.set(new OrdersEndpoint(mode, publisher, orderBook, metrics, Clock.systemUTC()));
        http = Startup.await(httpReady);
        LOG.info("{} ready on port {} in {} ms (publish mode {}, broker {}, database {}, issuer {})",
                ProducerSettings.SERVICE, http.port(), (System.nanoTime() - started) / 1_000_000,
                mode.name().toLowerCase(Locale.ROOT), secrets.rabbit().describeTarget(),
                databaseSettings.describeTarget(), settings.jwtIssuer());
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
        shutdown.closeAll(); // last opened first
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
}
