package io.github.microkit.messaging;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.impl.recovery.TopologyRecoveryRetryLogic;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import io.github.microkit.health.HealthStatus;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    private final ConnectionFactory factory;
    private final ExchangeRegistry exchanges = new ExchangeRegistry();
    private volatile Connection publishConnection;
    private volatile ConnectionState publishState;
    private final List<ConfirmingPublisher> publishers = new CopyOnWriteArrayList<>();
    private final Object topologyLock = new Object();
    private final List<Topology> declared = new ArrayList<>(); // guarded by topologyLock
    private Channel topologyChannel; // guarded by topologyLock
    private volatile boolean closed;

    private Rabbit(RabbitConfig config) {
        this.config = config;
        this.factory = factory(config);
        this.publishConnection = connectWithRetry("publish");
        this.publishState = new ConnectionState("publish", publishConnection, config.describeTarget());
    }

    /** Connects to the broker {@code config} names, retrying the first attempt as configured. */
    public static Rabbit connect(RabbitConfig config) {
        return new Rabbit(Objects.requireNonNull(config, "config"));
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
            return publisher;
        }
    }

    public Publisher publisher() {
        return publisher(PublisherConfig.defaults());
    }

    /**
     * Replaces the connections without losing a message (make-before-break), for rotated credentials: a
     * new connection is opened (the {@link RabbitConfig#credentialsProvider() credentials provider} is asked
     * again), the topology is declared on it, every publisher moves to it while its old channel drains its
     * confirms, and only then is the old connection closed. Call it when new credentials are issued and
     * before the old ones are revoked: deleting a RabbitMQ user closes its connections at once.
     *
     * @throws MessagingException when the new connection cannot be opened; the old one is kept
     */
    public void replaceConnections() {
        ensureOpen();
        synchronized (topologyLock) {
            Connection fresh = connectWithRetry("publish");
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
            List<java.util.concurrent.CompletableFuture<Void>> drains = new ArrayList<>();
            for (ConfirmingPublisher publisher : publishers) {
                drains.add(publisher.moveTo(fresh, freshState));
            }
            publishConnection = fresh;
            publishState = freshState;
            topologyChannel = freshTopologyChannel;
            java.util.concurrent.CompletableFuture.allOf(drains.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .whenComplete((ok, error) -> closeQuietly(old));
            LOG.info("replaced the publish connection to {}; the old one closes once its confirms are in",
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

    /** UP while the connections are open and not blocked; DOWN otherwise. Never touches the network. */
    public HealthCheck healthCheck() {
        return () -> {
            if (closed) {
                return Health.down("closed");
            }
            Health publish = publishState.health();
            return publish.status() == HealthStatus.UP
                    ? Health.up("connected to " + config.describeTarget()).withFacts(publish.facts())
                    : publish;
        };
    }

    /** Closes every publisher (waiting for their confirms up to their timeout), then the connections. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
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

    private Connection connectWithRetry(String role) {
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
