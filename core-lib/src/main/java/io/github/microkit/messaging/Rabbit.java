package io.github.microkit.messaging;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.impl.recovery.TopologyRecoveryRetryLogic;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import io.github.microkit.health.HealthStatus;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of {@code messaging}: the connections to one RabbitMQ broker, with everything made
 * from them.
 *
 * <pre>{@code
 * try (Rabbit rabbit = Rabbit.connect(RabbitConfig.fromUri("amqp://guest:guest@127.0.0.1:5672"))) {
 *     rabbit.declare(topology);
 *     Publisher publisher = rabbit.publisher(PublisherConfig.defaults());
 *     publisher.publishAndWait(OutboundMessage.to("orders", "order.placed").payload(order).type("order.placed.v1").build());
 *     Subscription subscription = rabbit.subscribe(SubscriptionConfig.forQueue(ordersPlaced, OrderPlaced.class).build(),
 *             (order, meta) -> store.save(order));
 * }
 * }</pre>
 *
 * <p>Publishing and consuming use separate connections, so that the broker's flow control on a busy
 * publisher never slows the acks of consumers. Both recover by themselves after a network failure and
 * declare the topology again. The first connection attempt is retried with backoff, since the client
 * retries only connections that once succeeded.
 */
public final class Rabbit implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Rabbit.class);

    private final RabbitConfig config;
    private final MessagingMetrics metrics;
    private final ConnectionFactory factory;
    private final ExchangeRegistry exchanges = new ExchangeRegistry();
    private volatile Connection publishConnection;
    private volatile ConnectionState publishState;
    private final List<ConfirmingPublisher> publishers = new CopyOnWriteArrayList<>();
    private final Object topologyLock = new Object();
    private final List<Topology> declared = new ArrayList<>(); // guarded by topologyLock
    private Channel topologyChannel; // guarded by topologyLock
    private final List<RabbitSubscription<?>> subscriptions = new CopyOnWriteArrayList<>();
    private final Object consumeLock = new Object();
    private ConsumeSide consumeSide; // guarded by consumeLock; opened by the first subscribe
    private volatile boolean closed;

    private Rabbit(RabbitConfig config, MessagingMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.factory = factory(config);
        metrics.connectionCollector("publish").ifPresent(factory::setMetricsCollector);
        this.publishConnection = connectWithRetry(factory, "publish");
        this.publishState = new ConnectionState("publish", publishConnection, config.describeTarget());
    }

    /** Connects to the broker {@code config} names, retrying the first attempt as configured. */
    public static Rabbit connect(RabbitConfig config) {
        return connect(config, MessagingMetrics.noop());
    }

    /**
     * Connects and reports to {@code metrics}, for example {@code MicrometerMessagingMetrics.of(registry)}, which
     * also puts amqp-client's own Micrometer collector on both connections.
     */
    public static Rabbit connect(RabbitConfig config, MessagingMetrics metrics) {
        return new Rabbit(Objects.requireNonNull(config, "config"), Objects.requireNonNull(metrics, "metrics"));
    }

    /** Connects with the defaults and the broker of {@code uri} ({@code amqp://user:pass@host:port/vhost}). */
    public static Rabbit connect(String uri) {
        return connect(RabbitConfig.fromUri(Objects.requireNonNull(uri, "uri")));
    }

    public RabbitConfig config() {
        return config;
    }

    /**
     * Declares every exchange, queue and binding of {@code topology} (idempotent), on the publishing
     * connection so that the client declares them again after it recovers.
     *
     * @throws MessagingException naming what could not be declared, e.g. a queue that exists with other arguments
     */
    public void declare(Topology topology) {
        Objects.requireNonNull(topology, "topology");
        ensureOpen();
        synchronized (topologyLock) {
            try {
                TopologyDeclarer.declare(topologyChannel(), topology);
            } catch (MessagingException e) {
                // the broker closed the channel on the error; what it had declared must be recorded on a live
                // one, or the client could not declare it again after a reconnect
                topologyChannel = null;
                Channel fresh = topologyChannel();
                for (Topology earlier : declared) {
                    TopologyDeclarer.declare(fresh, earlier);
                }
                throw e;
            }
            declared.add(topology);
        }
        exchanges.declared(topology);
        LOG.info("declared {} on {}", topology, config.describeTarget());
    }

    /**
     * The channel topology is declared on. It stays open: the client records each declaration with its
     * channel and declares it again through that channel after recovering the connection.
     */
    private Channel topologyChannel() {
        if (topologyChannel == null || (!topologyChannel.isOpen() && publishConnection.isOpen())) {
            try {
                topologyChannel = publishConnection.createChannel();
            } catch (IOException e) {
                throw MessagingException.declareFailed("a channel for the topology", e);
            }
        }
        return topologyChannel;
    }

    /**
     * Checks {@code topology} against the live broker without changing it: every missing exchange or queue and
     * every queue or exchange declared with other arguments (type, dead-letter exchange ...) is reported.
     *
     * @throws TopologyMismatchException listing every difference
     */
    public void verify(Topology topology) {
        Objects.requireNonNull(topology, "topology");
        ensureOpen();
        List<String> mismatches = TopologyDeclarer.verify(publishConnection, topology);
        if (!mismatches.isEmpty()) {
            throw new TopologyMismatchException(mismatches);
        }
        exchanges.declared(topology);
    }

    /** A new publisher on a channel of its own. */
    public Publisher publisher(PublisherConfig publisherConfig) {
        Objects.requireNonNull(publisherConfig, "publisherConfig");
        ensureOpen();
        synchronized (topologyLock) {
            ConfirmingPublisher publisher = new ConfirmingPublisher(publishConnection, exchanges, publishState,
                    publisherConfig, config.connectionName());
            publishers.add(publisher);
            return metrics != MessagingMetrics.noop()
                    ? new MeteredPublisher(publisher, metrics.publisher(publisher.publisherId()))
                    : publisher;
        }
    }

    public Publisher publisher() {
        return publisher(PublisherConfig.defaults());
    }

    /**
     * Replaces the connections without losing a message (make-before-break), for rotated credentials: a
     * new connection is opened (the {@link RabbitConfig#credentialsProvider() credentials provider} is asked
     * again), the topology is declared on it, every publisher moves to it while its old channel drains its
     * confirms, and only then is the old connection closed. The consuming connection is replaced the same way:
     * each subscription consumes on the new one before its old consumers are cancelled, and the old connection
     * closes once they have handled and acked what they had received. Call it when new credentials are issued and
     * before the old ones are revoked: deleting a RabbitMQ user closes its connections at once.
     *
     * @throws MessagingException when the new connection cannot be opened; the old one is kept
     */
    public void replaceConnections() {
        ensureOpen();
        synchronized (topologyLock) {
            Connection fresh = connectWithRetry(factory, "publish");
            ConnectionState freshState = new ConnectionState("publish", fresh, config.describeTarget());
            Channel freshTopologyChannel;
            try {
                freshTopologyChannel = fresh.createChannel();
                for (Topology earlier : declared) {
                    TopologyDeclarer.declare(freshTopologyChannel, earlier);
                }
            } catch (IOException | RuntimeException e) {
                closeQuietly(fresh);
                throw MessagingException.declareFailed("the topology on the replacement connection", e);
            }
            Connection old = publishConnection;
            List<CompletableFuture<Void>> drains = new ArrayList<>();
            for (ConfirmingPublisher publisher : publishers) {
                drains.add(publisher.moveTo(fresh, freshState));
            }
            ConsumeSide side;
            synchronized (consumeLock) {
                side = consumeSide;
            }
            if (side != null) {
                // retries and dead-letters are published on the publishing connection too
                drains.add(side.forwarder.moveTo(fresh, freshState));
            }
            publishConnection = fresh;
            publishState = freshState;
            topologyChannel = freshTopologyChannel;
            CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new))
                    .whenComplete((ok, error) -> closeQuietly(old));
            if (side != null) {
                synchronized (consumeLock) { // no subscription starts on the old consuming connection meanwhile
                    side.replaceConnection();
                }
            }
            LOG.info("replaced the connections to {}; the old ones close once their confirms and deliveries are done",
                    config.describeTarget());
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            if (connection.isOpen()) {
                connection.close();
            }
        } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
            LOG.debug("connection already closed: {}", e.toString());
        }
    }

    /**
     * Starts consuming the queue of {@code subscriptionConfig} with {@code handler}, on the consuming connection
     * (opened by the first subscription). The queue and its companions (dead-letter exchange, delay queues) must
     * exist: declare the topology first.
     *
     * @throws MessagingException when the queue or a companion is missing, or consuming fails
     */
    public <T> Subscription subscribe(SubscriptionConfig<T> subscriptionConfig, MessageHandler<T> handler) {
        Objects.requireNonNull(subscriptionConfig, "subscriptionConfig");
        Objects.requireNonNull(handler, "handler");
        return start(subscriptionConfig, RabbitSubscription.oneAtATime(handler), false);
    }

    /**
     * Like {@link #subscribe}, but hands {@code handler} up to {@link SubscriptionConfig#batchSize()} messages of a
     * channel at once: a batch goes to the handler when it is full or {@link SubscriptionConfig#batchWait()} after its
     * first message. It is acked after the handler returns; when the handler throws, each of its messages runs again
     * alone, so a poison message is retried or dead-lettered without the others (see {@link BatchHandler}). Same
     * lifecycle, health, metrics, recovery and drain as {@code subscribe}; a drain hands over what is buffered at once.
     *
     * <pre>{@code
     * rabbit.subscribeBatches(SubscriptionConfig.forQueue(ordersPlaced, OrderPlaced.class).batchSize(100).build(),
     *         inbox.batchHandler("order-store", (order, meta, tx) -> orders.insert(tx, order)));
     * }</pre>
     *
     * @throws MessagingException when the queue or a companion is missing, or consuming fails
     */
    public <T> Subscription subscribeBatches(SubscriptionConfig<T> subscriptionConfig, BatchHandler<T> handler) {
        Objects.requireNonNull(subscriptionConfig, "subscriptionConfig");
        Objects.requireNonNull(handler, "handler");
        return start(subscriptionConfig, handler, true);
    }

    private <T> Subscription start(SubscriptionConfig<T> subscriptionConfig, BatchHandler<T> handler,
            boolean batching) {
        ensureOpen();
        ConsumeSide side = consumeSide();
        checkCompanions(side.connection, subscriptionConfig.queue());
        String queue = subscriptionConfig.queue().name();
        RabbitSubscription<?>[] self = new RabbitSubscription<?>[1];
        AtomicReference<Runnable> removeGauges = new AtomicReference<>(() -> { });
        synchronized (consumeLock) { // a concurrent replaceConnections moves this subscription too, or none of it
            RabbitSubscription<T> subscription = new RabbitSubscription<>(subscriptionConfig, handler, batching,
                    side.connection, side.forwarder, PublisherConfig.defaults().confirmTimeout(),
                    metrics.consumer(queue), side.scheduler, side.handlers, () -> {
                        subscriptions.remove(self[0]);
                        removeGauges.get().run();
                    });
            self[0] = subscription;
            subscriptions.add(subscription);
            removeGauges.set(metrics.gauges(queue, subscription::stats, subscriptionConfig.lossDetector()));
            try {
                subscription.start();
            } catch (RuntimeException e) {
                subscription.close(Duration.ZERO);
                throw e;
            }
            return subscription;
        }
    }

    /** The queue, its dead-letter exchange and its delay queues must exist, or failures would have nowhere to go. */
    private static void checkCompanions(Connection connection, QueueSpec spec) {
        List<String> missing = new ArrayList<>();
        List<String> queues = new ArrayList<>(List.of(spec.name()));
        for (int step = 1; step <= spec.retryDelays().size(); step++) {
            queues.add(spec.retryQueue(step));
        }
        for (String queue : queues) {
            if (!exists(connection, ch -> ch.queueDeclarePassive(queue))) {
                missing.add("queue '" + queue + "'");
            }
        }
        if (!exists(connection, ch -> ch.exchangeDeclarePassive(spec.deadLetterExchange()))) {
            missing.add("exchange '" + spec.deadLetterExchange() + "'");
        }
        if (!missing.isEmpty()) {
            throw new MessagingException("Cannot consume from '" + spec.name() + "': " + String.join(", ", missing)
                    + (missing.size() == 1 ? " does" : " do") + " not exist. Declare the topology with this QueueSpec"
                    + " (rabbit.declare(topology)) before subscribing.");
        }
    }

    private static boolean exists(Connection connection, PassiveCheck check) {
        try (Channel channel = connection.createChannel()) {
            check.run(channel);
            return true;
        } catch (IOException e) {
            Throwable root = TopologyDeclarer.rootOf(e);
            if (root instanceof com.rabbitmq.client.ShutdownSignalException
                    && ((com.rabbitmq.client.ShutdownSignalException) root).getReason()
                    instanceof com.rabbitmq.client.AMQP.Channel.Close
                    && ((com.rabbitmq.client.AMQP.Channel.Close) ((com.rabbitmq.client.ShutdownSignalException) root)
                    .getReason()).getReplyCode() == com.rabbitmq.client.AMQP.NOT_FOUND) {
                return false;
            }
            throw new MessagingException("Could not check the topology: " + MessagingException.describe(root), e);
        } catch (TimeoutException | RuntimeException e) {
            throw new MessagingException("Could not check the topology: " + MessagingException.describe(e), e);
        }
    }

    @FunctionalInterface
    private interface PassiveCheck {
        void run(Channel channel) throws IOException;
    }

    /** The consuming connection and what goes with it, opened on first use. */
    private ConsumeSide consumeSide() {
        synchronized (consumeLock) {
            ensureOpen();
            if (consumeSide == null) {
                consumeSide = new ConsumeSide();
            }
            return consumeSide;
        }
    }

    /**
     * The consuming connection. Its handlers run on a pool of their own (one thread per busy channel), so a slow
     * handler never holds up the client's I/O; retries and dead-letters are published on the publishing connection,
     * whose flow control must not stop acks.
     */
    private final class ConsumeSide {
        final ExecutorService handlers = Executors.newCachedThreadPool(daemonThreads("microkit-consumer"));
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                daemonThreads("microkit-consumer-recovery"));
        final ConnectionFactory consumeFactory;
        volatile Connection connection; // replaced by replaceConnection (make-before-break)
        volatile ConnectionState state;
        final ConfirmingPublisher forwarder;

        ConsumeSide() {
            consumeFactory = factory(config);
            consumeFactory.setSharedExecutor(handlers);
            metrics.connectionCollector("consume").ifPresent(consumeFactory::setMetricsCollector);
            try {
                connection = open();
            } catch (RuntimeException e) {
                handlers.shutdownNow();
                scheduler.shutdownNow();
                throw e;
            }
            state = new ConnectionState("consume", connection, config.describeTarget());
            forwarder = new ConfirmingPublisher(publishConnection, exchanges, publishState,
                    PublisherConfig.builder().appId(config.connectionName()).build(), config.connectionName());
        }

        /** A consuming connection whose losses and recoveries reach the subscriptions while it is the current one. */
        private Connection open() {
            Connection opened = connectWithRetry(consumeFactory, "consume");
            opened.addShutdownListener(cause -> {
                if (!cause.isInitiatedByApplication() && opened == connection) {
                    for (RabbitSubscription<?> s : subscriptions) {
                        s.connectionLost(cause.getMessage());
                    }
                }
            });
            if (opened instanceof Recoverable) {
                ((Recoverable) opened).addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable recoverable) {
                        if (opened == connection) {
                            for (RabbitSubscription<?> s : subscriptions) {
                                s.connectionRecovered();
                            }
                        }
                    }

                    @Override
                    public void handleRecoveryStarted(Recoverable recoverable) {
                        // the subscriptions learnt of the loss from the shutdown listener
                    }
                });
            }
            return opened;
        }

        /**
         * Opens a new consuming connection (with the credentials in force now), moves every subscription onto it,
         * and closes the old one once their old consumers have finished what they had received.
         */
        CompletableFuture<Void> replaceConnection() {
            Connection old = connection;
            Connection fresh = open();
            connection = fresh;
            state = new ConnectionState("consume", fresh, config.describeTarget());
            List<CompletableFuture<Void>> moves = new ArrayList<>();
            for (RabbitSubscription<?> subscription : subscriptions) {
                moves.add(subscription.moveTo(fresh));
            }
            return CompletableFuture.allOf(moves.toArray(CompletableFuture[]::new))
                    .whenComplete((ok, error) -> closeQuietly(old));
        }

        void close() {
            forwarder.close();
            try {
                connection.close((int) TimeUnit.SECONDS.toMillis(10));
            } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
                LOG.debug("consume connection already closed: {}", e.toString());
            }
            scheduler.shutdownNow();
            handlers.shutdown();
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * UP while the connections are open and not blocked; DOWN otherwise. Subscriptions have checks of their own
     * ({@link Subscription#healthCheck()}). Never touches the network.
     */
    public HealthCheck healthCheck() {
        return () -> {
            if (closed) {
                return Health.down("closed");
            }
            Health publish = publishState.health();
            ConsumeSide side;
            synchronized (consumeLock) {
                side = consumeSide;
            }
            Health consume = side == null ? null : side.state.health();
            Map<String, Object> facts = new LinkedHashMap<>();
            publish.facts().forEach((k, v) -> facts.put("publish." + k, v));
            if (consume != null) {
                consume.facts().forEach((k, v) -> facts.put("consume." + k, v));
            }
            if (publish.status() != HealthStatus.UP) {
                return publish.withFacts(facts);
            }
            if (consume != null && consume.status() != HealthStatus.UP) {
                return consume.withFacts(facts);
            }
            return Health.up("connected to " + config.describeTarget()).withFacts(facts);
        };
    }

    /**
     * Drains and closes every subscription (each up to its drain timeout), closes every publisher (waiting for
     * their confirms up to their timeout), then the connections.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (RabbitSubscription<?> subscription : subscriptions) {
            subscription.close();
        }
        ConsumeSide side;
        synchronized (consumeLock) {
            side = consumeSide;
        }
        if (side != null) {
            side.close();
        }
        for (ConfirmingPublisher publisher : publishers) {
            publisher.close();
        }
        try {
            publishConnection.close((int) TimeUnit.SECONDS.toMillis(10));
        } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
            LOG.debug("publish connection already closed: {}", e.toString());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw MessagingException.closed("Rabbit for " + config.describeTarget());
        }
    }

    private Connection connectWithRetry(ConnectionFactory factory, String role) {
        String name = config.connectionName() + "-" + role;
        long backoff = config.connectBackoff().toMillis();
        Exception last = null;
        for (int attempt = 1; attempt <= config.connectAttempts(); attempt++) {
            try {
                Connection connection = factory.newConnection(name);
                LOG.info("connected to RabbitMQ at {} as '{}'", config.describeTarget(), name);
                return connection;
            } catch (IOException | TimeoutException e) {
                last = e;
                if (attempt == config.connectAttempts()) {
                    break;
                }
                LOG.warn("connecting to RabbitMQ at {} failed (attempt {} of {}): {}; retrying in {} ms",
                        config.describeTarget(), attempt, config.connectAttempts(), MessagingException.describe(e),
                        backoff);
                try {
                    // an explicit, bounded backoff between first-connection attempts
                    TimeUnit.MILLISECONDS.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw MessagingException.connectFailed(config.describeTarget(), attempt, ie);
                }
                backoff = Math.min(backoff * 2, config.maxConnectBackoff().toMillis());
            }
        }
        throw MessagingException.connectFailed(config.describeTarget(), config.connectAttempts(), last);
    }

    private static ConnectionFactory factory(RabbitConfig config) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(config.host());
        factory.setPort(config.port());
        factory.setVirtualHost(config.virtualHost());
        if (config.credentialsProvider().isPresent()) {
            factory.setCredentialsProvider(config.credentialsProvider().get());
        } else {
            factory.setUsername(config.username());
            factory.setPassword(config.password());
        }
        if (config.tls()) {
            try {
                factory.useSslProtocol(config.sslContext().orElse(SSLContext.getDefault()));
            } catch (NoSuchAlgorithmException e) {
                throw new MessagingException("TLS is not available in this JVM: " + e.getMessage(), e);
            }
            factory.enableHostnameVerification();
        }
        factory.setRequestedHeartbeat((int) config.heartbeat().toSeconds());
        factory.setConnectionTimeout((int) config.connectTimeout().toMillis());
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(config.recoveryInterval().toMillis());
        // a queue missing when a consumer is recovered (e.g. a restarted node) is declared again, then retried
        factory.setTopologyRecoveryRetryHandler(
                TopologyRecoveryRetryLogic.RETRY_ON_QUEUE_NOT_FOUND_RETRY_HANDLER.build());
        return factory;
    }

    @Override
    public String toString() {
        return "Rabbit[" + config.describeTarget() + (closed ? ", closed" : "") + "]";
    }
}
