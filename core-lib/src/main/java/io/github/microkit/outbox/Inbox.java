package io.github.microkit.outbox;

import io.github.microkit.messaging.BatchHandler;
import io.github.microkit.messaging.InboundMessage;
import io.github.microkit.messaging.MessageHandler;
import io.github.microkit.messaging.NonRetryableException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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
 *
 * <h2>One transaction per batch</h2>
 * {@link #handler} commits once per message, and a commit waits for the database to flush its log: on PostgreSQL
 * that wait, not your handler, sets the pace. {@link #batchHandler} shares one transaction and one commit among the
 * messages of a batch from {@code Rabbit.subscribeBatches}:
 *
 * <pre>{@code
 * rabbit.subscribeBatches(SubscriptionConfig.forQueue(ordersPlaced, OrderPlaced.class).batchSize(100).build(),
 *         inbox.batchHandler("order-store", (order, meta, tx) -> orders.insert(tx, order)));
 * }</pre>
 *
 * It records every id of the batch first (on PostgreSQL in one statement, in sorted order so that two replicas
 * never deadlock on each other's ids), then runs your handler, with the transaction's connection, for each message
 * whose id it recorded, in delivery order; an id recorded before or repeated within the batch is skipped. Then it
 * commits once. If your handler throws for any message, the whole batch rolls back (every write and every id) and
 * the subscription runs each of its messages again alone, in a transaction of its own, so only the failing one is
 * retried or dead-lettered; a message without a {@code message_id} does the same. Choose it when messages come
 * faster than single commits keep up with, or when the database is remote (a round trip per commit); its costs are
 * the subscription's batch wait (up to {@code batchWait} of added latency when traffic is light), locks held on up
 * to {@code batchSize} ids for the length of a batch, and a second pass, one transaction per message, for a batch
 * with a poison message in it. Keep {@link #handler} for low rates or handlers too slow for a commit to matter.
 */
public final class Inbox implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Inbox.class);

    private static final String RECORD = "insert into microkit_inbox (consumer, message_id, processed_at)"
            + " values (?, ?, current_timestamp) on conflict do nothing";
    /**
     * PostgreSQL records a batch's ids in one statement, in the order given (sorted), and answers which were new;
     * a conflicting id of a transaction still running waits for it, as the single insert does.
     */
    private static final String RECORD_ALL = "insert into microkit_inbox (consumer, message_id, processed_at)"
            + " select cast(? as varchar), t.id, current_timestamp from unnest(cast(? as varchar[]))"
            + " with ordinality as t(id, n) order by t.n on conflict do nothing returning message_id";
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
        requireConsumer(consumer);
        Objects.requireNonNull(handler, "handler");
        return (payload, metadata) -> handle(consumer, handler, List.of(new InboundMessage<>(payload, metadata)));
    }

    /**
     * A {@link BatchHandler} for {@code Rabbit.subscribeBatches} that runs {@code handler} at most once per message id
     * for {@code consumer}, with one transaction and one commit per batch (see the class comment for when to choose
     * it). {@code consumer} names the ids as for {@link #handler}: a batch handler and a single-message handler of
     * the same name recognise each other's ids.
     */
    public <T> BatchHandler<T> batchHandler(String consumer, InboxHandler<T> handler) {
        requireConsumer(consumer);
        Objects.requireNonNull(handler, "handler");
        return messages -> handle(consumer, handler, messages);
    }

    private static void requireConsumer(String consumer) {
        Objects.requireNonNull(consumer, "consumer");
        if (consumer.isBlank() || consumer.length() > 255) {
            throw new IllegalArgumentException("consumer must be 1 to 255 characters, was " + consumer.length()
                    + ". Name what the handler does, such as 'order-store'.");
        }
    }

    /** One transaction for {@code messages}: record their ids, run the handler for the new ones, commit. */
    private <T> void handle(String consumer, InboxHandler<T> handler, List<InboundMessage<T>> messages)
            throws Exception {
        List<String> ids = new ArrayList<>(messages.size());
        for (InboundMessage<T> message : messages) {
            // before any work: in a batch this fails the whole of it, and the subscription then runs each message
            // alone, so that only this one is dead-lettered
            ids.add(message.metadata().messageId().orElseThrow(() -> new NonRetryableException("The message from '"
                    + message.metadata().queue() + "' has no message_id, so the inbox cannot tell a duplicate from a"
                    + " new message. Publishers must set one (microkit's OutboundMessage always does).")));
        }
        try (Connection tx = dataSource.getConnection()) {
            boolean autoCommit = tx.getAutoCommit();
            tx.setAutoCommit(false);
            try {
                Set<String> recorded = record(tx, consumer, ids);
                int duplicates = 0;
                for (int i = 0; i < messages.size(); i++) {
                    // remove: an id repeated within the batch runs once
                    if (recorded.remove(ids.get(i))) {
                        InboundMessage<T> message = messages.get(i);
                        handler.handle(message.payload(), message.metadata(), tx);
                    } else {
                        duplicates++;
                        LOG.debug("message {} was processed by '{}' before; skipping the duplicate", ids.get(i),
                                consumer);
                    }
                }
                if (duplicates == messages.size()) {
                    tx.rollback(); // nothing was written
                } else {
                    tx.commit();
                }
                for (int i = 0; i < messages.size(); i++) { // one report per message: handled ones, then duplicates
                    config.metrics().inboxHandled(consumer, i >= messages.size() - duplicates);
                }
            } catch (Exception | Error e) {
                RelayLoop.rollbackQuietly(tx);
                throw e;
            } finally {
                RelayLoop.restoreAutoCommit(tx, autoCommit);
            }
        }
    }

    /**
     * Inserts the ids, each once and in sorted order (two transactions with overlapping ids then wait for each other
     * instead of deadlocking); returns those this transaction inserted. The others were there, committed by another
     * transaction (possibly after a wait).
     */
    private static Set<String> record(Connection tx, String consumer, List<String> ids) throws SQLException {
        TreeSet<String> sorted = new TreeSet<>(ids);
        Set<String> recorded = new HashSet<>();
        if (sorted.size() > 1 && Dialect.of(tx) == Dialect.POSTGRESQL) {
            Array array = tx.createArrayOf("varchar", sorted.toArray());
            try (PreparedStatement ps = tx.prepareStatement(RECORD_ALL)) {
                ps.setString(1, consumer);
                ps.setArray(2, array);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        recorded.add(rs.getString(1));
                    }
                }
            } finally {
                array.free();
            }
            return recorded;
        }
        for (String id : sorted) {
            if (record(tx, consumer, id)) {
                recorded.add(id);
            }
        }
        return recorded;
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
