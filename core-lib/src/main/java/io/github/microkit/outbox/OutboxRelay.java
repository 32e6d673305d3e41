package io.github.microkit.outbox;

import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import io.github.microkit.messaging.Publisher;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Publishes the rows of the {@link Outbox} with publisher confirms, in the background, and marks each row sent only
 * after the broker confirmed it.
 *
 * <pre>{@code
 * Publisher publisher = rabbit.publisher(PublisherConfig.defaults());
 * try (OutboxRelay relay = OutboxRelay.start(dataSource, publisher, OutboxRelayConfig.defaults())) {
 *     health.register("outbox", relay.health());
 *     ... serve ...
 * }
 * }</pre>
 *
 * <p>How it works, and what it guarantees:
 * <ul>
 *   <li><b>Claim.</b> The relay claims a batch of pending rows by writing its id and a lease ({@code claimed_by},
 *       {@code claimed_until}) on them, in a short transaction that holds the lock row of
 *       {@code microkit_outbox_claim_lock}. Other relays (other replicas) skip claimed rows, so in the normal case no
 *       row is published twice; a relay that dies leaves its lease to expire, and another relay takes the rows over
 *       (published again: at least once, the consumer's {@link Inbox} absorbs the duplicate). The same SQL works on
 *       PostgreSQL and H2: claims are serialized (each takes milliseconds), publishing is not. A relay runs
 *       {@code workers} batches at once (two by default), as safely as that many relays.</li>
 *   <li><b>Order.</b> A row with an ordering key is claimed only when no earlier row of its key is pending in
 *       another relay's lease or waiting for a retry; within a batch, rows of one key are published one after
 *       the other, each after the previous one's confirm, and a failure stops its key until the retry. So rows of a
 *       key are never published out of their id order (rows of different keys go out in parallel).</li>
 *   <li><b>Confirm, then mark.</b> A row is marked sent ({@code sent_at}) only after its confirm. A nacked,
 *       returned (unroutable) or timed-out publish leaves it pending with {@code attempts} and {@code last_error},
 *       retried after a backoff that doubles up to a maximum. An unroutable row is logged as an error on each attempt
 *       and shows in {@link #stats()}, the health check and the metrics: never dropped.</li>
 *   <li><b>Broker away.</b> When publishing fails because the connection is gone, blocked or closed, the relay
 *       releases its claims and pauses, doubling the pause up to a maximum, and resumes by itself.</li>
 *   <li><b>Wake-up.</b> On PostgreSQL it {@code LISTEN}s on the channel {@link Outbox#append} notifies at commit
 *       (on one pooled connection it keeps), and polls every {@code pollInterval} as well; elsewhere it polls.</li>
 *   <li><b>Retention.</b> Sent rows are deleted once older than {@code sentRetention}.</li>
 * </ul>
 *
 * <p>The relay does not own the publisher: close the relay first, then the publisher.
 */
public final class OutboxRelay implements AutoCloseable {

    private final RelayLoop loop;

    private OutboxRelay(RelayLoop loop) {
        this.loop = loop;
    }

    /**
     * Starts a relay on a thread of its own, publishing through {@code publisher} (for example
     * {@code rabbit.publisher(PublisherConfig.defaults())}). The schema must be there: this verifies it first.
     *
     * @throws SchemaException when the microkit schema is missing or of another version
     */
    public static OutboxRelay start(DataSource dataSource, Publisher publisher, OutboxRelayConfig config) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(publisher, "publisher");
        Objects.requireNonNull(config, "config");
        DurableSchema.verify(dataSource);
        RelayLoop loop = new RelayLoop(dataSource, publisher, config);
        loop.start();
        return new OutboxRelay(loop);
    }

    /** The id this relay writes to {@code claimed_by}. */
    public String relayId() {
        return loop.config().relayId();
    }

    public OutboxRelayConfig config() {
        return loop.config();
    }

    /** What the relay has done and saw at its last look at the table (refreshed about once a second). */
    public Stats stats() {
        return loop.stats();
    }

    /**
     * The relay's health, from what it already knows (never a query): {@code UP}; {@code DEGRADED} while the broker
     * or the database is away, rows are unroutable, or the oldest pending row is older than {@code staleAfter}
     * (a service whose outbox lags still accepts work: that is the point of it); {@code DOWN} once closed.
     * Facts: {@code backlog}, {@code oldestPendingSeconds}, {@code unroutable}, {@code published}, {@code failed}.
     */
    public HealthCheck health() {
        return loop::health;
    }

    /** Makes an idle relay look for rows now (for databases without notifications, after a commit). */
    public void wakeUp() {
        loop.wakeUp();
    }

    /** Deletes sent rows older than the retention now (the relay also does it every {@code cleanupInterval}). */
    public int purgeSent() {
        return loop.purgeSent();
    }

    /**
     * Stops claiming, lets the batch in hand finish (its confirms, marks and releases), releases what it did not
     * publish, and closes the listening connection. Does not close the publisher.
     */
    @Override
    public void close() {
        loop.close();
    }

    /** Stops at once without marking or releasing anything, as a crash would: for tests of the takeover. */
    void haltAsIfCrashed() {
        loop.halt();
    }

    @Override
    public String toString() {
        return "OutboxRelay[" + relayId() + "]";
    }

    /**
     * @param published      rows this relay published and marked sent
     * @param failed         publish attempts that failed (each leaves its row pending)
     * @param backlog        rows pending in the table (all relays), at the last look
     * @param unroutable     pending rows whose last attempt was returned as unroutable, at the last look
     * @param oldestPending  age of the oldest pending row, zero when none
     * @param brokerAvailable false while the relay backs off from a broker that is away
     * @param databaseAvailable false while the relay cannot reach the database
     * @param lastError      the last failure the relay saw, if any
     */
    public record Stats(long published, long failed, long backlog, long unroutable, Duration oldestPending,
            boolean brokerAvailable, boolean databaseAvailable, Optional<String> lastError) {

        public Stats {
            Objects.requireNonNull(oldestPending, "oldestPending");
            Objects.requireNonNull(lastError, "lastError");
        }

        Health toHealth(OutboxRelayConfig config, boolean closed) {
            java.util.Map<String, Object> facts = new java.util.LinkedHashMap<>();
            facts.put("backlog", backlog);
            facts.put("oldestPendingSeconds", oldestPending.toSeconds());
            facts.put("unroutable", unroutable);
            facts.put("published", published);
            facts.put("failed", failed);
            Health health;
            if (closed) {
                health = Health.down("outbox relay is closed");
            } else if (!databaseAvailable) {
                health = Health.degraded("outbox relay cannot reach the database; " + backlog + " rows were pending");
            } else if (!brokerAvailable) {
                health = Health.degraded("broker unavailable: outbox relay backs off; " + backlog + " rows pending");
            } else if (unroutable > 0) {
                health = Health.degraded(unroutable + " outbox rows are unroutable (no queue bound): declare the"
                        + " binding; they are retried, not dropped");
            } else if (oldestPending.compareTo(config.staleAfter()) > 0) {
                health = Health.degraded("the oldest pending outbox row is " + oldestPending.toSeconds()
                        + " s old (over " + config.staleAfter().toSeconds() + " s)");
            } else {
                health = Health.up(backlog + " outbox rows pending");
            }
            return health.withFacts(facts);
        }
    }
}
