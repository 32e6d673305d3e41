package io.github.microkit.samples.consumer;

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
import io.github.microkit.health.HealthRegistry;
import io.github.microkit.messaging.MicrometerMessagingMetrics;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.Subscription;
import io.github.microkit.messaging.SubscriptionConfig;
import io.github.microkit.outbox.Inbox;
import io.github.microkit.outbox.InboxConfig;
import io.github.microkit.outbox.MicrometerOutboxMetrics;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The consumer, top to bottom: configuration from the environment, secrets, database (on its own thread), metrics,
 * the HTTP server (on its own thread too, its orders routes opened last), broker connection and topology, the
 * subscription that stores orders through the inbox, the token verifier, and a shutdown that drains.
 *
 * <pre>
 * JWT_ISSUER=http://127.0.0.1:8090/default java -jar sample-consumer/target/sample-consumer.jar
 * </pre>
 */
public final class ConsumerMain {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerMain.class);

    private final ShutdownSequence shutdown = new ShutdownSequence(); // closes last-opened first
    private final AtomicBoolean stopping = new AtomicBoolean();
    private ServiceSettings settings;
    private Subscription subscription;
    private Javalin http;

    public static void main(String[] args) {
        ConsumerMain consumer = new ConsumerMain();
        // a start that fails stops again and exits (2: configuration or schema, 1: anything else);
        // one that succeeds stops at SIGTERM (docker stop, Kubernetes) and Ctrl-C
        Startup.startOrExit(() -> consumer.start(EnvConfig.fromSystem()), consumer::stop);
    }

    void start(EnvConfig env) {
        long started = System.nanoTime();

        // 1. configuration: all of it, every problem at once
        settings = ConsumerSettings.fromEnv(env);

        // 2. tokens: keys from the issuer's discovery document (or JWT_JWKS_URI), refreshed in the background;
        //    fetched on another thread meanwhile, as they do not depend on anything below (start-up time)
        CompletableFuture<JwtVerifier> verifierReady = Startup.inBackground("jwt-keys", () -> BearerAuth.verifierFor(settings));
        shutdown.closeLater(() -> verifierReady.thenAccept(JwtVerifier::close));

        // 3. secrets: with VAULT_ADDR, the database user may come from Vault's KV secret and RabbitMQ credentials
        //    from Vault (a new broker user per lease); health: each part registers its check
        HealthRegistry health = HealthRegistry.create();
        health.register("shutdown", () -> stopping.get() ? Health.down("shutting down") : Health.up("serving"));
        ServiceSecrets secrets = shutdown.closeLater(ServiceSecrets.open(settings, health));

        // 4. database: the pool, microkit's inbox table and our own tables (migrated, or verified with
        //    DATABASE_MIGRATE=false): the longest step of the start-up, so it starts on another thread as soon as
        //    its credentials are known; closed last
        DatabaseSettings databaseSettings = secrets.database();
        CompletableFuture<Database> databaseReady = Startup.inBackground("database", () -> Database.open(databaseSettings,
                ConsumerSettings.SERVICE, "classpath:db/consumer", "consumer_schema_history"));
        shutdown.closeLater(() -> databaseReady.thenAccept(Database::close));

        // 5. metrics: the JVM's, and the broker connection reports to them
        PrometheusMeterRegistry metrics = ServiceMetrics.create();

        // 6. HTTP: JSON errors, /health and /metrics (Http.server), and ours; the JWT check is the before-handler
        //    of /orders, in plain sight. Loading and starting Javalin and Jetty takes a fifth of the start-up, so it
        //    runs on another thread while the database and the broker connect: /health/live answers from then on,
        //    while readiness stays DOWN and /orders answers 503 until step 9 sets what they need.
        Startup.Late<Handler> requireReadScope = Startup.late("the token check");
        Startup.Late<OrdersQueries> queries = Startup.late("the orders queries");
        health.register("startup", () -> queries.isSet() ? Health.up("started") : Health.down("starting"));
        CompletableFuture<Javalin> httpReady = Startup.inBackground("http", () -> Http.server(settings.httpPort(),
                health, metrics, config -> {
                    config.routes.before("/orders", ctx -> requireReadScope.get().handle(ctx));
                    config.routes.before("/orders/*", ctx -> requireReadScope.get().handle(ctx));
                    config.routes.get("/orders", ctx -> queries.get().page(ctx));
                    config.routes.get("/orders/{orderId}", ctx -> queries.get().one(ctx));
                }).start());

        // 7. broker: connect, declare the queue with its dead-letter and delay queues, consume through the inbox
        Rabbit rabbit = shutdown.closeLater(Rabbit.connect(secrets.rabbit(), MicrometerMessagingMetrics.of(metrics)));
        rabbit.declare(OrderTopology.orders());
        // a new lease is a new broker user: move to a new connection before the old user goes (make-before-break)
        shutdown.closeLater(secrets.replaceConnectionsOnRotation(rabbit));
        health.register("rabbitmq", rabbit.healthCheck());
        Database database = Startup.await(databaseReady);
        health.register("database", database.healthCheck());
        OrderStore store = new OrderStore(database.dataSource());
        metrics.gauge("orders.in.store", store, OrderStore::size);
        Inbox inbox = shutdown.closeLater(Inbox.create(database.dataSource(), InboxConfig.builder()
                .metrics(MicrometerOutboxMetrics.of(metrics)).build()));
        // No Deduplicator on the subscription: the inbox is the authority on "seen this message id", shared by
        // every replica and kept across restarts. An in-memory one in front of it would only save a database
        // round trip on a redelivery to the same process, and could not be trusted anyway (it forgets on restart).
        subscription = rabbit.subscribe(SubscriptionConfig.forQueue(OrderTopology.ORDERS_PLACED, OrderPlaced.class)
                        .acceptTypes(OrderPlaced.TYPE) // any other type goes to the dead-letter queue
                        .drainTimeout(settings.shutdownTimeout())
                        .build(),
                inbox.handler("order-store", new OrderPlacedHandler(store, metrics, Clock.systemUTC())));
        health.register("subscription", subscription.healthCheck());

        // 8. tokens: the verifier fetched its keys while the broker connected (step 2)
        // an IdP away at start: the verifier retries the key warm-up itself, and jwt-keys turns UP then
        JwtVerifier verifier = Startup.await(verifierReady);
        health.register("jwt-keys", verifier.keyHealth());

        // 9. open /orders: the token check and the queries, then readiness turns UP (its last check, startup)
        requireReadScope.set(new BearerAuth(verifier).requireScope("orders:read"));
        queries.set(new OrdersQueries(store));
        http = Startup.await(httpReady);
        LOG.info("{} ready on port {} in {} ms (broker {}, queue {}, database {}, issuer {})", ConsumerSettings.SERVICE,
                http.port(), (System.nanoTime() - started) / 1_000_000, secrets.rabbit().describeTarget(),
                subscription.queue(), databaseSettings.describeTarget(), settings.jwtIssuer());
    }

    /**
     * Graceful stop, within {@code SHUTDOWN_TIMEOUT}: readiness turns DOWN, the HTTP server finishes the requests
     * it is serving, the subscription stops taking deliveries and lets running handlers commit and ack (what did
     * not start goes back to the queue), then the connection, the inbox, the database pool (after everything that
     * uses it), the Vault session and the verifier close.
     */
    void stop() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        Duration timeout = settings == null ? Duration.ofSeconds(20) : settings.shutdownTimeout();
        LOG.info("stopping: finishing HTTP requests, then draining the subscription for up to {}", timeout);
        if (http != null) {
            http.stop();
        }
        if (subscription != null && !subscription.close(timeout)) {
            LOG.warn("some handlers were still running after {}: their messages return to the queue", timeout);
        }
        shutdown.closeAll(); // last opened first
        LOG.info("stopped");
    }
}
