package io.github.microkit.outbox;

import io.github.microkit.messaging.MessageHandler;
import io.github.microkit.messaging.MessageMetadata;
import io.github.microkit.messaging.NonRetryableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbox: a consumer's handler runs inside a database transaction that also records the message id (per
 * consumer name) in {@code microkit_inbox}, so its effects happen exactly once even though the broker delivers at
 * least once.
 *
 * <pre>{@code
 * Inbox inbox = Inbox.create(dataSource);
 * rabbit.subscribe(SubscriptionConfig.forQueue(ordersPlaced, OrderPlaced.class).build(),
 *         inbox.handler("order-store", (order, meta, tx) -> orders.insert(tx, order)));
 * }</pre>
 *
 * <p>For each delivery the wrapped handler opens a transaction and inserts {@code (consumer, message id)}:
 * <ul>
 *   <li>a new id: your handler runs with the transaction's connection; then the transaction commits, and only then
 *       does the handler return, so the subscription acks. A crash between commit and ack brings the message back,
 *       and the next case applies;</li>
 *   <li>an id already recorded: nothing runs, the transaction ends, and the message is acked;</li>
 *   <li>the same id being processed right now by another consumer or replica: the unique key makes the insert
 *       wait for that transaction; if it commits this one sees the id (the case above), if it rolls back this
 *       one runs the handler;</li>
 *   <li>your handler throws: the transaction rolls back (your writes and the id), and the exception goes to the
 *       subscription's normal path (delayed retry, or dead-letter for {@code NonRetryableException}).</li>
 * </ul>
 * A message without a {@code message_id} cannot be deduplicated: it is dead-lettered as non-retryable.
 * Ids are deleted after {@link InboxConfig#retention()} (7 days by default; see {@link InboxConfig} on choosing it).
 * Do not also give the subscription a {@code Deduplicator}: the inbox is the deduplication.
 */
public final class Inbox implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Inbox.class);

    private static final String RECORD = "insert into microkit_inbox (consumer, message_id, processed_at)"
            + " values (?, ?, current_timestamp) on conflict do nothing";
    private static final String FIND = "select 1 from microkit_inbox where consumer = ? and message_id = ?";
    private static final String PURGE = "delete from microkit_inbox where processed_at < current_timestamp"
            + " - (cast(? as bigint) * interval '0.001' second)";
    /** Unique violation: a database that reports the conflict instead of waiting and skipping it. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final InboxConfig config;
    private final ScheduledExecutorService cleaner;

    private Inbox(DataSource dataSource, InboxConfig config) {
        this.dataSource = dataSource;
        this.config = config;
        this.cleaner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "microkit-inbox-cleanup");
            t.setDaemon(true);
            return t;
        });
        long period = config.cleanupInterval().toMillis();
        cleaner.scheduleWithFixedDelay(this::purgeQuietly, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * An inbox on {@code dataSource}, deleting expired ids every {@link InboxConfig#cleanupInterval()}. The schema
     * must be there: this verifies it first.
     *
     * @throws SchemaException when the microkit schema is missing or of another version
     */
    public static Inbox create(DataSource dataSource, InboxConfig config) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(config, "config");
        DurableSchema.verify(dataSource);
        return new Inbox(dataSource, config);
    }

    public static Inbox create(DataSource dataSource) {
        return create(dataSource, InboxConfig.defaults());
    }

    public InboxConfig config() {
        return config;
    }

    /**
     * A {@link MessageHandler} for {@code Rabbit.subscribe} that runs {@code handler} at most once per message id for
     * {@code consumer}, in a transaction with the id's record.
     *
     * @param consumer names this handler's ids (1 to 255 characters); two handlers of one message with different
     *                 effects need different names, and every replica of one handler must use the same name
     */
    public <T> MessageHandler<T> handler(String consumer, InboxHandler<T> handler) {
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(handler, "handler");
        if (consumer.isBlank() || consumer.length() > 255) {
            throw new IllegalArgumentException("consumer must be 1 to 255 characters, was " + consumer.length()
                    + ". Name what the handler does, such as 'order-store'.");
        }
        return (payload, metadata) -> handle(consumer, handler, payload, metadata);
    }

    private <T> void handle(String consumer, InboxHandler<T> handler, T payload, MessageMetadata metadata)
            throws Exception {
        String messageId = metadata.messageId().orElseThrow(() -> new NonRetryableException("The message from '"
                + metadata.queue() + "' has no message_id, so the inbox cannot tell a duplicate from a new message."
                + " Publishers must set one (microkit's OutboundMessage always does)."));
        try (Connection tx = dataSource.getConnection()) {
            boolean autoCommit = tx.getAutoCommit();
            tx.setAutoCommit(false);
            try {
                if (!record(tx, consumer, messageId)) {
                    tx.rollback();
                    config.metrics().inboxHandled(consumer, true);
                    LOG.debug("message {} was processed by '{}' before; skipping the duplicate", messageId, consumer);
                    return;
                }
                handler.handle(payload, metadata, tx);
                tx.commit();
                config.metrics().inboxHandled(consumer, false);
            } catch (Exception | Error e) {
                RelayLoop.rollbackQuietly(tx);
                throw e;
            } finally {
                RelayLoop.restoreAutoCommit(tx, autoCommit);
            }
        }
    }

    /** Inserts the id; false when it was there (committed by another transaction, possibly after a wait). */
    private static boolean record(Connection tx, String consumer, String messageId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(RECORD)) {
            ps.setString(1, consumer);
            ps.setString(2, messageId);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    /** Whether {@code consumer} has processed {@code messageId} (and the record has not expired). */
    public boolean processed(String consumer, String messageId) {
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(messageId, "messageId");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setString(1, consumer);
            ps.setString(2, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw DatabaseException.of("read the inbox", e);
        }
    }

    /** Deletes the ids older than the retention now; returns how many. */
    public int purgeExpired() {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(PURGE)) {
            ps.setLong(1, config.retention().toMillis());
            int deleted = ps.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
            return deleted;
        } catch (SQLException e) {
            throw DatabaseException.of("delete expired inbox rows", e);
        }
    }

    private void purgeQuietly() {
        try {
            int deleted = purgeExpired();
            if (deleted > 0) {
                LOG.debug("deleted {} inbox rows older than {}", deleted, config.retention());
            }
        } catch (RuntimeException e) {
            LOG.warn("could not delete expired inbox rows: {}", e.getMessage());
        }
    }

    /** Stops the background cleanup; handlers already given out keep working. */
    @Override
    public void close() {
        cleaner.shutdownNow();
    }

    @Override
    public String toString() {
        return "Inbox[" + config + "]";
    }
}
