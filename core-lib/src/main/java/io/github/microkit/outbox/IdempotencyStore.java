package io.github.microkit.outbox;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * HTTP {@code Idempotency-Key}s in the database, shared by every replica: the first request with a key wins (the
 * table's primary key decides, also under concurrency), its response is kept and replayed to retries, and the same
 * key with another request is refused.
 *
 * <p>Two ways to use it. <b>In your transaction</b> (the key, your writes, the outbox row and the response commit
 * together; a rollback forgets the key, so a retry starts afresh; a concurrent duplicate waits on the key's row
 * until you commit, then gets your response):
 * <pre>{@code
 * try (Connection tx = dataSource.getConnection()) {
 *     tx.setAutoCommit(false);
 *     IdempotencyOutcome outcome = keys.begin(tx, key, IdempotencyStore.requestHash(body));
 *     switch (outcome.kind()) {
 *         case REPLAY: tx.rollback(); return replay(outcome.response().orElseThrow());
 *         case MISMATCH: tx.rollback(); return status(422);
 *         case IN_PROGRESS: tx.rollback(); return status(409).header("Retry-After", "1");
 *         case NEW: break;
 *     }
 *     orders.insert(tx, order);
 *     outbox.append(tx, orderPlaced, order.id());
 *     StoredResponse response = StoredResponse.json(202, json);
 *     keys.complete(tx, key, response);
 *     tx.commit();
 *     return response;
 * }
 * }</pre>
 * <b>Standalone</b> (each call commits on its own: for work outside the database, such as publishing with a
 * confirm): {@code begin(key, hash)} records the key as in progress, visible to other replicas at once (they get
 * {@code IN_PROGRESS}); then {@code complete(key, response)} after the work, or {@code abandon(key)} when it failed,
 * so that a retry may run it. An owner that crashed holds its key only for {@link IdempotencyConfig#lockTimeout()}.
 *
 * <p>Keys are up to 512 characters: to keep clients apart, prefix the client's key with who sent it (the token's
 * subject). Expired keys are deleted by {@link #purgeExpired()} (call it from a scheduled task) and are ignored by
 * {@code begin} meanwhile.
 */
public final class IdempotencyStore {

    private static final String INSERT = "insert into microkit_idempotency_key (idempotency_key, request_hash,"
            + " created_at, locked_until, expires_at) values (?, ?, current_timestamp,"
            + " current_timestamp + (cast(? as bigint) * interval '0.001' second),"
            + " current_timestamp + (cast(? as bigint) * interval '0.001' second)) on conflict do nothing";
    private static final String READ = "select request_hash, response_status, response_content_type, response_body,"
            + " case when locked_until < current_timestamp then 1 else 0 end,"
            + " case when expires_at < current_timestamp then 1 else 0 end"
            + " from microkit_idempotency_key where idempotency_key = ?";
    private static final String DELETE_EXPIRED_KEY = "delete from microkit_idempotency_key where idempotency_key = ?"
            + " and expires_at < current_timestamp";
    private static final String TAKE_OVER = "update microkit_idempotency_key set"
            + " locked_until = current_timestamp + (cast(? as bigint) * interval '0.001' second)"
            + " where idempotency_key = ? and request_hash = ? and response_status is null"
            + " and locked_until < current_timestamp";
    private static final String COMPLETE = "update microkit_idempotency_key set response_status = ?,"
            + " response_content_type = ?, response_body = ?, completed_at = current_timestamp, locked_until = null"
            + " where idempotency_key = ? and response_status is null";
    private static final String ABANDON = "delete from microkit_idempotency_key where idempotency_key = ?"
            + " and response_status is null";
    private static final String PURGE = "delete from microkit_idempotency_key where expires_at < current_timestamp";
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final IdempotencyConfig config;

    private IdempotencyStore(DataSource dataSource, IdempotencyConfig config) {
        this.dataSource = dataSource;
        this.config = config;
    }

    /**
     * A store on {@code dataSource}. The schema must be there: this verifies it first.
     *
     * @throws SchemaException when the microkit schema is missing or of another version
     */
    public static IdempotencyStore create(DataSource dataSource, IdempotencyConfig config) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(config, "config");
        DurableSchema.verify(dataSource);
        return new IdempotencyStore(dataSource, config);
    }

    public static IdempotencyStore create(DataSource dataSource) {
        return create(dataSource, IdempotencyConfig.defaults());
    }

    public IdempotencyConfig config() {
        return config;
    }

    /**
     * A hash of a request's significant parts (method, path, body ...) for {@link #begin}: SHA-256 in hex over each
     * part with its length, so that {@code ("ab", "c")} and {@code ("a", "bc")} differ.
     */
    public static String requestHash(byte[]... parts) {
        Objects.requireNonNull(parts, "parts");
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                Objects.requireNonNull(part, "part");
                digest.update(ByteBuffer.allocate(4).putInt(part.length).array());
                digest.update(part);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Begins the request with {@code key} inside the caller's transaction {@code tx} (neither committed nor closed
     * here). On {@code NEW} the key's row is part of {@code tx}: complete it in the same transaction; a rollback
     * forgets it.
     */
    public IdempotencyOutcome begin(Connection tx, String key, String requestHash) {
        Objects.requireNonNull(tx, "tx");
        validate(key, requestHash);
        try {
            if (tx.getAutoCommit()) {
                throw new IllegalStateException("begin(tx, ...) needs the caller's transaction, but the connection is"
                        + " in auto-commit mode. Call connection.setAutoCommit(false) first, or use begin(key, hash).");
            }
            return beginIn(tx, key, requestHash);
        } catch (SQLException e) {
            throw DatabaseException.of("begin idempotency key", e);
        }
    }

    /**
     * Begins the request with {@code key} in a transaction of its own, committed before this returns: on
     * {@code NEW} other replicas see the key in progress at once.
     */
    public IdempotencyOutcome begin(String key, String requestHash) {
        validate(key, requestHash);
        return inOwnTransaction("begin idempotency key", c -> beginIn(c, key, requestHash));
    }

    /**
     * Like {@link #begin(String, String)}, but while the first request is {@code IN_PROGRESS} asks again every
     * 50 ms for up to {@code maxWait}; returns {@code IN_PROGRESS} if it is still running then.
     */
    public IdempotencyOutcome begin(String key, String requestHash, Duration maxWait) {
        Objects.requireNonNull(maxWait, "maxWait");
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            IdempotencyOutcome outcome = begin(key, requestHash);
            if (outcome.kind() != IdempotencyOutcome.Kind.IN_PROGRESS || System.nanoTime() - deadline >= 0) {
                return outcome;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return outcome;
            }
        }
    }

    /** Stores the response of the request that owns {@code key}, in the caller's transaction. */
    public void complete(Connection tx, String key, StoredResponse response) {
        Objects.requireNonNull(tx, "tx");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(response, "response");
        try {
            completeIn(tx, key, response);
        } catch (SQLException e) {
            throw DatabaseException.of("complete idempotency key", e);
        }
    }

    /** Stores the response of the request that owns {@code key}, in a transaction of its own. */
    public void complete(String key, StoredResponse response) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(response, "response");
        inOwnTransaction("complete idempotency key", c -> {
            completeIn(c, key, response);
            return null;
        });
    }

    /**
     * Gives up {@code key} after its request failed, so that a retry runs the work again; a completed key is kept.
     * In its own transaction. (In the caller's transaction a rollback does this by itself.)
     */
    public void abandon(String key) {
        Objects.requireNonNull(key, "key");
        inOwnTransaction("abandon idempotency key", c -> {
            try (PreparedStatement ps = c.prepareStatement(ABANDON)) {
                ps.setString(1, key);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Deletes the expired keys; returns how many. */
    public int purgeExpired() {
        return inOwnTransaction("delete expired idempotency keys", c -> {
            try (PreparedStatement ps = c.prepareStatement(PURGE)) {
                return ps.executeUpdate();
            }
        });
    }

    // ---------------------------------------------------------------------------------------------- internals

    private IdempotencyOutcome beginIn(Connection c, String key, String requestHash) throws SQLException {
        // a few rounds: the row we conflicted with may vanish (abandoned, expired) before we read it
        for (int round = 0; round < 5; round++) {
            if (insert(c, key, requestHash)) {
                return IdempotencyOutcome.fresh();
            }
            try (PreparedStatement ps = c.prepareStatement(READ)) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        continue;
                    }
                    String storedHash = rs.getString(1);
                    int status = rs.getInt(2);
                    boolean completed = !rs.wasNull();
                    String contentType = rs.getString(3);
                    byte[] body = rs.getBytes(4);
                    boolean lockExpired = rs.getInt(5) == 1;
                    boolean expired = rs.getInt(6) == 1;
                    if (expired) {
                        deleteExpired(c, key);
                        continue;
                    }
                    if (!storedHash.equals(requestHash)) {
                        return IdempotencyOutcome.mismatch();
                    }
                    if (completed) {
                        return IdempotencyOutcome.replay(new StoredResponse(status,
                                contentType == null ? "application/octet-stream" : contentType,
                                body == null ? new byte[0] : body));
                    }
                    if (lockExpired && takeOver(c, key, requestHash)) {
                        return IdempotencyOutcome.fresh();
                    }
                    return IdempotencyOutcome.inProgress(config.retryAfter());
                }
            }
        }
        return IdempotencyOutcome.inProgress(config.retryAfter());
    }

    private boolean insert(Connection c, String key, String requestHash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, key);
            ps.setString(2, requestHash);
            ps.setLong(3, config.lockTimeout().toMillis());
            ps.setLong(4, config.keyTtl().toMillis());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    private static void deleteExpired(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_EXPIRED_KEY)) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    private boolean takeOver(Connection c, String key, String requestHash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(TAKE_OVER)) {
            ps.setLong(1, config.lockTimeout().toMillis());
            ps.setString(2, key);
            ps.setString(3, requestHash);
            return ps.executeUpdate() == 1;
        }
    }

    private static void completeIn(Connection c, String key, StoredResponse response) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COMPLETE)) {
            ps.setInt(1, response.status());
            ps.setString(2, response.contentType());
            ps.setBytes(3, response.body());
            ps.setString(4, key);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("Idempotency key '" + abbreviate(key) + "' is not in progress: it was"
                        + " never begun, was abandoned or expired, or is complete already. Call begin first and"
                        + " complete only on NEW.");
            }
        }
    }

    private <R> R inOwnTransaction(String operation, SqlWork<R> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                R result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                RelayLoop.rollbackQuietly(c);
                throw e;
            } finally {
                RelayLoop.restoreAutoCommit(c, autoCommit);
            }
        } catch (SQLException e) {
            throw DatabaseException.of(operation, e);
        }
    }

    private static void validate(String key, String requestHash) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(requestHash, "requestHash");
        if (key.isEmpty() || key.length() > 512) {
            throw new IllegalArgumentException("An idempotency key must be 1 to 512 characters, was " + key.length());
        }
        if (requestHash.isEmpty() || requestHash.length() > 128) {
            throw new IllegalArgumentException("A request hash must be 1 to 128 characters, was "
                    + requestHash.length() + "; IdempotencyStore.requestHash gives 64");
        }
    }

    private static String abbreviate(String key) {
        return key.length() <= 40 ? key : key.substring(0, 40) + "…";
    }

    @Override
    public String toString() {
        return "IdempotencyStore[" + config + "]";
    }

    @FunctionalInterface
    private interface SqlWork<R> {
        R run(Connection c) throws SQLException;
    }
}
