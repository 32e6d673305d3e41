package io.github.microkit.outbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microkit.MicrokitException;
import io.github.microkit.health.Health;
import io.github.microkit.messaging.InvalidMessageException;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.PublishConfirm;
import io.github.microkit.messaging.PublishException;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.trace.TraceContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's workers: each claims a batch, publishes it in rounds, marks or records each row and releases the rest.
 * Several workers overlap one's database work with another's wait for confirms; they are as safe together as several
 * relays, since a claim never takes a leased row nor a row whose key has an earlier leased one.
 */
final class RelayLoop {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final ObjectMapper HEADER_MAPPER = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> HEADER_MAP = new TypeReference<>() {
    };
    private static final int PURGE_CHUNK = 5_000;

    private static final String LOCK = "select name from microkit_outbox_claim_lock where name = 'claim' for update";
    private static final String CANDIDATES = "select o.id, o.message_id, o.exchange, o.routing_key, o.ordering_key,"
            + " o.message_type, o.content_type, o.correlation_id, o.app_id, o.traceparent, o.tracestate, o.headers,"
            + " o.body, o.mandatory, o.created_at, o.attempts"
            + " from microkit_outbox o"
            + " where o.sent_at is null"
            + " and o.next_attempt_at <= current_timestamp"
            + " and (o.claimed_until is null or o.claimed_until < current_timestamp)"
            // an earlier row of the key held by another relay, or waiting for its retry, holds the key back
            + " and (o.ordering_key is null or not exists (select 1 from microkit_outbox e"
            + " where e.ordering_key = o.ordering_key and e.id < o.id and e.sent_at is null"
            + " and (e.next_attempt_at > current_timestamp or e.claimed_until >= current_timestamp)))"
            // sent_at is null in every row here: ordering by (sent_at, id) is ordering by id, and lets the index
            // on (sent_at, id) skip the sent rows kept for the retention instead of filtering them one by one
            + " order by o.sent_at, o.id limit ?";
    /**
     * The right plan for CANDIDATES is always the same: walk the pending index in id order and stop after a batch.
     * PostgreSQL picks it once it has statistics, but a table that just filled (a backlog after a broker outage,
     * before autovacuum's ANALYZE) is estimated nearly empty, and it then checks every pending row and sorts them:
     * 190 ms instead of 4 ms per claim at 30,000 rows. Ruling out the sort, for this transaction only, leaves it
     * the index walk whatever the statistics say.
     */
    private static final String WALK_THE_PENDING_INDEX = "set local enable_sort = off";
    private static final String CLAIM = "update microkit_outbox set claimed_by = ?,"
            + " claimed_until = current_timestamp + (cast(? as bigint) * interval '0.001' second) where id = any(?)";
    private static final String MARK_SENT = "update microkit_outbox set sent_at = current_timestamp,"
            + " claimed_by = null, claimed_until = null where id = any(?)";
    private static final String RECORD_FAILURE = "update microkit_outbox set attempts = attempts + 1, last_error = ?,"
            + " claimed_by = null, claimed_until = null,"
            + " next_attempt_at = current_timestamp + (cast(? as bigint) * interval '0.001' second)"
            + " where id = ? and sent_at is null";
    private static final String RELEASE = "update microkit_outbox set claimed_by = null, claimed_until = null"
            + " where id = any(?) and claimed_by = ? and sent_at is null";
    private static final String STATS = "select count(*), min(created_at),"
            + " sum(case when last_error like 'UNROUTABLE%' then 1 else 0 end)"
            + " from microkit_outbox where sent_at is null";
    private static final String PURGE = "delete from microkit_outbox where id in (select id from microkit_outbox"
            + " where sent_at < current_timestamp - (cast(? as bigint) * interval '0.001' second)"
            + " limit " + PURGE_CHUNK + ")";

    private final DataSource dataSource;
    private final Publisher publisher;
    private final OutboxRelayConfig config;
    private final Semaphore wake = new Semaphore(0);
    private final List<Thread> workers = new ArrayList<>();
    private final java.util.concurrent.ThreadPoolExecutor marker;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean halted;
    private volatile boolean brokerAvailable = true;
    private volatile boolean databaseAvailable = true;
    private volatile String lastError;
    private volatile long backlog;
    private volatile long unroutable;
    private volatile OffsetDateTime oldestCreated;
    private volatile OffsetDateTime oldestSeenAt;
    private long nextStatsAt;
    private long nextCleanupAt;
    private NotificationListener listener;

    RelayLoop(DataSource dataSource, Publisher publisher, OutboxRelayConfig config) {
        this.dataSource = dataSource;
        this.publisher = publisher;
        this.config = config;
        for (int i = 0; i < config.workers(); i++) {
            boolean housekeeper = i == 0;
            Thread worker = new Thread(() -> run(housekeeper), "microkit-outbox-relay-" + config.relayId() + "-" + i);
            worker.setDaemon(true);
            workers.add(worker);
        }
        this.marker = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(4), r -> {
                    Thread t = new Thread(r, "microkit-outbox-marker-" + config.relayId());
                    t.setDaemon(true);
                    return t;
                }, new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
    }

    OutboxRelayConfig config() {
        return config;
    }

    void start() {
        if (config.listen()) {
            listener = NotificationListener.startIfPostgres(dataSource, config.channel(), config.pollInterval(),
                    wake::release);
        }
        config.metrics().gauges(this::stats);
        workers.forEach(Thread::start);
        LOG.info("outbox relay {} started ({})", config.relayId(),
                listener != null ? "LISTEN " + config.channel() + " and poll" : "polling");
    }

    void wakeUp() {
        wake.release();
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        wake.release(workers.size());
        try {
            long deadline = System.nanoTime() + config.leaseDuration().toNanos() + 5_000_000_000L;
            for (Thread worker : workers) {
                worker.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            marker.shutdown();
            marker.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (listener != null) {
            listener.close();
        }
        LOG.info("outbox relay {} closed after publishing {} rows", config.relayId(), published.get());
    }

    void halt() {
        halted = true;
        closed = true;
        wake.release(workers.size());
        workers.forEach(Thread::interrupt);
        marker.shutdownNow();
        try {
            for (Thread worker : workers) {
                worker.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (listener != null) {
            listener.close();
        }
    }

    OutboxRelay.Stats stats() {
        OffsetDateTime oldest = oldestCreated;
        OffsetDateTime seenAt = oldestSeenAt;
        Duration age = Duration.ZERO;
        if (oldest != null && seenAt != null) {
            // age at the last look, plus the time since: the database's clock, never compared with ours
            age = Duration.between(oldest, seenAt).plusNanos(Math.max(0, System.nanoTime() - lastStatsNanos));
            if (age.isNegative()) {
                age = Duration.ZERO;
            }
        }
        return new OutboxRelay.Stats(published.get(), failed.get(), backlog, unroutable, age, brokerAvailable,
                databaseAvailable, Optional.ofNullable(lastError));
    }

    private volatile long lastStatsNanos = System.nanoTime();

    Health health() {
        return stats().toHealth(config, closed);
    }

    // ------------------------------------------------------------------------------------------------ the loop

    private void run(boolean housekeeper) {
        long brokerPause = config.brokerBackoffInitial().toMillis();
        long databasePause = config.brokerBackoffInitial().toMillis();
        while (!closed) {
            try {
                if (housekeeper) {
                    housekeeping();
                }
                List<Row> batch = claim();
                databaseAvailable = true;
                databasePause = config.brokerBackoffInitial().toMillis();
                if (batch.isEmpty()) {
                    awaitWork(config.pollInterval().toMillis());
                    continue;
                }
                boolean brokerAway = publish(batch);
                if (brokerAway) {
                    if (brokerAvailable) {
                        LOG.warn("outbox relay {}: the broker is unavailable ({}); backing off from {} ms up to {}"
                                + " while it stays away", config.relayId(), lastError, brokerPause,
                                config.brokerBackoffMax());
                    } else {
                        LOG.debug("outbox relay {}: the broker is still unavailable; pausing {} ms", config.relayId(),
                                brokerPause);
                    }
                    brokerAvailable = false;
                    refreshStats();
                    pause(brokerPause);
                    brokerPause = Math.min(brokerPause * 2, config.brokerBackoffMax().toMillis());
                } else {
                    if (!brokerAvailable) {
                        LOG.info("outbox relay {}: the broker is back; publishing again", config.relayId());
                    }
                    brokerAvailable = true;
                    brokerPause = config.brokerBackoffInitial().toMillis();
                }
            } catch (DatabaseException e) {
                if (closed) {
                    break;
                }
                if (databaseAvailable) {
                    LOG.warn("outbox relay {}: {}; trying again from {} ms up to {}", config.relayId(), e.getMessage(),
                            databasePause, config.brokerBackoffMax());
                } else {
                    LOG.debug("outbox relay {}: the database is still unreachable: {}", config.relayId(),
                            e.getMessage());
                }
                databaseAvailable = false;
                lastError = e.getMessage();
                pause(databasePause);
                databasePause = Math.min(databasePause * 2, config.brokerBackoffMax().toMillis());
            } catch (RuntimeException e) {
                if (closed) {
                    break;
                }
                // a bug of ours must not kill the relay: rows stay pending and are retried
                lastError = e.toString();
                LOG.error("outbox relay {} failed unexpectedly; trying again in {} ms", config.relayId(),
                        databasePause, e);
                pause(databasePause);
            }
        }
    }

    private void housekeeping() {
        long now = System.nanoTime();
        if (now - nextStatsAt >= 0) {
            refreshStats();
            nextStatsAt = now + Math.min(TimeUnit.SECONDS.toNanos(1), config.pollInterval().toNanos());
        }
        if (now - nextCleanupAt >= 0) {
            nextCleanupAt = now + config.cleanupInterval().toNanos();
            int deleted = purgeSent();
            if (deleted > 0) {
                LOG.debug("outbox relay {} deleted {} sent rows", config.relayId(), deleted);
            }
        }
    }

    private void awaitWork(long millis) {
        try {
            if (wake.tryAcquire(millis, TimeUnit.MILLISECONDS) && !closed) {
                // one look covers every notification so far; on close each worker keeps its own permit
                wake.drainPermits();
            }
        } catch (InterruptedException e) {
            if (!closed) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A pause that close() cuts short. */
    private void pause(long millis) {
        awaitWork(millis);
    }

    // ----------------------------------------------------------------------------------------------- claiming

    private List<Row> claim() {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                List<Row> rows = new ArrayList<>();
                try (Statement lock = c.createStatement()) {
                    lock.executeQuery(LOCK).close(); // the row lock is held until commit: claims take turns
                    if (Dialect.of(c) == Dialect.POSTGRESQL) {
                        lock.execute(WALK_THE_PENDING_INDEX);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(CANDIDATES)) {
                    ps.setInt(1, config.batchSize());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rows.add(Row.read(rs));
                        }
                    }
                }
                if (!rows.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
                        ps.setString(1, config.relayId());
                        ps.setLong(2, config.leaseDuration().toMillis());
                        ps.setArray(3, ids(c, rows.stream().map(r -> r.id).collect(java.util.stream.Collectors.toList())));
                        ps.executeUpdate();
                    }
                }
                c.commit();
                return rows;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                restoreAutoCommit(c, autoCommit);
            }
        } catch (SQLException e) {
            throw DatabaseException.of("claim outbox rows", e);
        }
    }

    // ---------------------------------------------------------------------------------------------- publishing

    /**
     * Publishes a claimed batch in rounds: each round sends every row without a key plus the next row of each
     * key, then waits for all their confirms. Returns true when the broker was away (the rest was released).
     */
    private boolean publish(List<Row> batch) {
        long started = System.nanoTime();
        long roundBudget = config.leaseDuration().toNanos() / 2;
        Map<String, Deque<Row>> byKey = new LinkedHashMap<>();
        List<Row> round = new ArrayList<>();
        for (Row row : batch) {
            if (row.orderingKey == null) {
                round.add(row);
            } else {
                byKey.computeIfAbsent(row.orderingKey, k -> new ArrayDeque<>()).add(row);
            }
        }
        for (Deque<Row> rows : byKey.values()) {
            round.add(rows.poll());
        }
        boolean brokerAway = false;
        while (!round.isEmpty()) {
            List<CompletableFuture<PublishConfirm>> futures = new ArrayList<>(round.size());
            for (Row row : round) {
                futures.add(send(row));
            }
            List<Long> sent = new ArrayList<>(round.size());
            List<Row> next = new ArrayList<>();
            for (int i = 0; i < round.size(); i++) {
                Row row = round.get(i);
                Failure failure = await(futures.get(i), row);
                if (halted) {
                    return false;
                }
                if (failure == null) {
                    sent.add(row.id);
                    if (row.orderingKey != null) {
                        Row following = byKey.get(row.orderingKey).poll();
                        if (following != null) {
                            next.add(following);
                        }
                    }
                } else {
                    failed.incrementAndGet();
                    config.metrics().failed(failure.reason);
                    lastError = failure.reason + ": " + failure.detail;
                    brokerAway |= failure.brokerAway;
                    recordFailure(row, failure);
                    if (row.orderingKey != null) {
                        // the key waits for this row's retry: its later rows go back unpublished
                        release(byKey.remove(row.orderingKey));
                    }
                }
            }
            markSent(sent);
            round = next;
            if (brokerAway || closed || System.nanoTime() - started > roundBudget) {
                // the rest goes back: to us or another relay, in order, at the next claim
                release(round);
                for (Deque<Row> rows : byKey.values()) {
                    release(rows);
                }
                break;
            }
        }
        return brokerAway;
    }

    private CompletableFuture<PublishConfirm> send(Row row) {
        try {
            return publisher.publish(row.toMessage());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Failure await(CompletableFuture<PublishConfirm> future, Row row) {
        try {
            // the publisher fails every future at its confirm timeout; this bound only guards against a bug
            future.get(config.leaseDuration().toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return Failure.of(e.getCause(), row, config);
        } catch (TimeoutException e) {
            return new Failure("CONFIRM_TIMEOUT", "no confirm within the lease", true);
        } catch (InterruptedException e) {
            if (!halted) {
                Thread.currentThread().interrupt();
            }
            return new Failure("CLOSED", "interrupted", true);
        }
    }

    /**
     * Marks confirmed rows sent on the marker thread, so that the next claim overlaps the marking. Safe: until
     * marked, the rows stay leased to this relay, so no relay claims them or a later row of their keys. When the
     * marker falls behind, the relay thread marks itself (back-pressure).
     */
    private void markSent(List<Long> ids) {
        if (ids.isEmpty() || halted) {
            return;
        }
        List<Long> copy = List.copyOf(ids);
        marker.execute(() -> {
            try {
                markNow(copy);
            } catch (DatabaseException e) {
                databaseAvailable = false;
                lastError = e.getMessage();
                LOG.warn("outbox relay {}: {}; they are published again after the lease", config.relayId(),
                        e.getMessage());
            }
        });
    }

    private void markNow(List<Long> ids) {
        if (halted) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(MARK_SENT)) {
                ps.setArray(1, ids(c, ids));
                ps.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                restoreAutoCommit(c, autoCommit);
            }
            config.metrics().published(ids.size());
            published.addAndGet(ids.size());
        } catch (SQLException e) {
            // published but not marked: the lease expires and they are published again (the inbox absorbs them)
            throw DatabaseException.of("mark " + ids.size() + " outbox rows sent", e);
        }
    }

    private void recordFailure(Row row, Failure failure) {
        if (halted) {
            return;
        }
        long delay = failure.brokerAway ? 0 : backoff(row.attempts + 1);
        if (failure.reason.equals("UNROUTABLE") || failure.reason.equals("INVALID")) {
            LOG.error("outbox row {} (message {}) to exchange '{}' with routing key '{}' cannot be delivered: {}"
                    + " It stays in the outbox (attempt {}) and is tried again in {} ms; fix the topology or the"
                    + " row.", row.id, row.messageId, row.exchange, row.routingKey, failure.detail, row.attempts + 1,
                    delay);
        } else if (!failure.brokerAway) {
            LOG.warn("outbox row {} (message {}) was not confirmed ({}: {}); retrying in {} ms", row.id,
                    row.messageId, failure.reason, failure.detail, delay);
        }
        String error = truncate(failure.reason + ": " + failure.detail, 1000);
        // the detail is a sentence of its own (the publisher's exception message)
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(RECORD_FAILURE)) {
            ps.setString(1, error);
            ps.setLong(2, delay);
            ps.setLong(3, row.id);
            ps.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
        } catch (SQLException e) {
            throw DatabaseException.of("record the failed publish of outbox row " + row.id, e);
        }
    }

    private void release(java.util.Collection<Row> rows) {
        if (rows == null || rows.isEmpty() || halted) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(RELEASE)) {
                List<Long> ids = new ArrayList<>(rows.size());
                for (Row row : rows) {
                    ids.add(row.id);
                }
                ps.setArray(1, ids(c, ids));
                ps.setString(2, config.relayId());
                ps.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                restoreAutoCommit(c, autoCommit);
            }
        } catch (SQLException e) {
            // not fatal: the lease expires
            throw DatabaseException.of("release " + rows.size() + " claimed outbox rows", e);
        }
    }

    /** One array parameter instead of a statement per row: {@code id = any(?)} works on PostgreSQL and H2. */
    private static java.sql.Array ids(Connection c, List<Long> ids) throws SQLException {
        return c.createArrayOf("bigint", ids.toArray(new Long[0]));
    }

    long backoff(int attempts) {
        long initial = config.retryBackoffInitial().toMillis();
        long max = config.retryBackoffMax().toMillis();
        int shift = Math.min(Math.max(attempts - 1, 0), 30);
        long delay = initial << shift;
        return delay <= 0 || delay > max ? max : delay;
    }

    // -------------------------------------------------------------------------------------- stats and cleanup

    private void refreshStats() {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(STATS)) {
            rs.next();
            long count = rs.getLong(1);
            OffsetDateTime oldest = rs.getObject(2, OffsetDateTime.class);
            long unroutableRows = rs.getLong(3);
            OffsetDateTime now;
            try (ResultSet t = s.executeQuery("select current_timestamp")) {
                t.next();
                now = t.getObject(1, OffsetDateTime.class);
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
            backlog = count;
            unroutable = unroutableRows;
            oldestCreated = oldest;
            oldestSeenAt = now;
            lastStatsNanos = System.nanoTime();
        } catch (SQLException e) {
            throw DatabaseException.of("read the outbox backlog", e);
        }
    }

    int purgeSent() {
        int total = 0;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(PURGE)) {
            int deleted;
            do {
                ps.setLong(1, config.sentRetention().toMillis());
                deleted = ps.executeUpdate();
                if (!c.getAutoCommit()) {
                    c.commit();
                }
                total += deleted;
            } while (deleted == PURGE_CHUNK);
        } catch (SQLException e) {
            throw DatabaseException.of("delete sent outbox rows", e);
        }
        return total;
    }

    static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            LOG.debug("rollback failed: {}", e.toString());
        }
    }

    static void restoreAutoCommit(Connection c, boolean autoCommit) {
        try {
            c.setAutoCommit(autoCommit);
        } catch (SQLException e) {
            LOG.debug("could not restore auto-commit: {}", e.toString());
        }
    }

    static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    // ------------------------------------------------------------------------------------------------- types

    /** Why a row's publish failed, and whether it says the broker is away rather than this message is wrong. */
    private static final class Failure {
        final String reason;
        final String detail;
        final boolean brokerAway;

        Failure(String reason, String detail, boolean brokerAway) {
            this.reason = reason;
            this.detail = detail;
            this.brokerAway = brokerAway;
        }

        static Failure of(Throwable cause, Row row, OutboxRelayConfig config) {
            if (cause instanceof PublishException) {
                PublishException e = (PublishException) cause;
                switch (e.reason()) {
                    case UNROUTABLE:
                    case NACKED:
                        return new Failure(e.reason().name(), e.getMessage(), false);
                    default:
                        // lost connection, blocked broker, full window, closed publisher, no confirm: the broker
                        return new Failure(e.reason().name(), e.getMessage(), true);
                }
            }
            if (cause instanceof InvalidMessageException) {
                // e.g. the exchange does not exist: this row is wrong, others may be fine
                return new Failure("INVALID", cause.getMessage(), false);
            }
            if (cause instanceof MicrokitException) {
                return new Failure("CONNECTION_LOST", cause.getMessage(), true);
            }
            return new Failure("INVALID", cause == null ? "unknown" : cause.toString(), false);
        }
    }

    /** One claimed outbox row. */
    private static final class Row {
        long id;
        String messageId;
        String exchange;
        String routingKey;
        String orderingKey;
        String type;
        String contentType;
        String correlationId;
        String appId;
        String traceparent;
        String tracestate;
        String headers;
        byte[] body;
        boolean mandatory;
        OffsetDateTime createdAt;
        int attempts;

        static Row read(ResultSet rs) throws SQLException {
            Row row = new Row();
            row.id = rs.getLong(1);
            row.messageId = rs.getString(2);
            row.exchange = rs.getString(3);
            row.routingKey = rs.getString(4);
            row.orderingKey = rs.getString(5);
            row.type = rs.getString(6);
            row.contentType = rs.getString(7);
            row.correlationId = rs.getString(8);
            row.appId = rs.getString(9);
            row.traceparent = rs.getString(10);
            row.tracestate = rs.getString(11);
            row.headers = rs.getString(12);
            row.body = rs.getBytes(13);
            row.mandatory = rs.getBoolean(14);
            row.createdAt = rs.getObject(15, OffsetDateTime.class);
            row.attempts = rs.getInt(16);
            return row;
        }

        OutboundMessage toMessage() {
            OutboundMessage.Builder b = exchange.isEmpty() ? OutboundMessage.toQueue(routingKey)
                    : OutboundMessage.to(exchange, routingKey);
            b.body(body, contentType).messageId(messageId).mandatory(mandatory);
            if (createdAt != null) {
                b.timestamp(createdAt.toInstant());
            }
            if (correlationId != null) {
                b.correlationId(correlationId);
            }
            if (type != null) {
                b.type(type);
            }
            if (appId != null) {
                b.appId(appId);
            }
            if (traceparent != null) {
                TraceContext.parse(traceparent, tracestate).ifPresent(b::trace);
            }
            if (headers != null) {
                try {
                    Map<String, Object> map = HEADER_MAPPER.readValue(headers, HEADER_MAP);
                    map.forEach(b::header);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("the headers of outbox row " + id + " are not a JSON object", e);
                }
            }
            return b.build();
        }
    }
}
