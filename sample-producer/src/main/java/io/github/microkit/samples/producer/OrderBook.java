package io.github.microkit.samples.producer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microkit.outbox.DatabaseException;
import io.github.microkit.outbox.IdempotencyOutcome;
import io.github.microkit.outbox.IdempotencyStore;
import io.github.microkit.outbox.Outbox;
import io.github.microkit.outbox.StoredResponse;
import io.github.microkit.samples.common.ApiError;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The producer's accepted orders (table {@code orders}) and their {@code Idempotency-Key}s (microkit's
 * {@link IdempotencyStore}), in the database every replica shares: a client that retries against another
 * replica gets the same order.
 *
 * <p>Two ways to accept an order, one per {@link PublishMode}:
 * <ul>
 *   <li>confirm: {@link #reserve} records the key as in progress and the order row (so a retry after a failed
 *       publish finds the same order id and message id), the caller publishes and waits for the confirm, then
 *       {@link #confirmed} stores the answer for the key, or {@link #failed} frees the key for the retry. An order
 *       without a key touches no table: the broker's confirm is its record;</li>
 *   <li>outbox: {@link #acceptIntoOutbox} writes the key's record, the order row and the {@code OrderPlaced}
 *       message in one transaction; the outbox relay publishes it after the commit.</li>
 * </ul>
 * Answers to a key: the same key and body get the first answer (same order id and message id), the same key with
 * another body {@code 422}, a key whose first request is still running {@code 409} with {@code Retry-After}.
 */
final class OrderBook {

    private static final Logger LOG = LoggerFactory.getLogger(OrderBook.class);
    /** 1 to 128 visible ASCII characters (DESIGN.md). */
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<OrderRequest.Item>> ITEMS = new TypeReference<>() {
    };

    /**
     * An order to answer for. {@code toPublish} is empty when a request with the same key was answered before:
     * then the caller repeats the answer and publishes nothing.
     */
    record Reservation(Optional<String> key, String orderId, String messageId, Optional<OrderPlaced> toPublish) {
    }

    private final DataSource dataSource;
    private final IdempotencyStore keys;
    private final Outbox outbox;

    OrderBook(DataSource dataSource, IdempotencyStore keys, Outbox outbox) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
    }

    /** The key of the request, checked; empty when the request has none. */
    static Optional<String> validKey(String header) {
        if (header == null) {
            return Optional.empty();
        }
        if (!KEY.matcher(header).matches()) {
            throw ApiError.badRequest("Idempotency-Key must be 1 to 128 visible ASCII characters.");
        }
        return Optional.of(header);
    }

    /** The response stored for a key and repeated to its retries: {@code 202 {"orderId", "messageId"}}. */
    static StoredResponse accepted(String orderId, String messageId) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("orderId", orderId);
        body.put("messageId", messageId);
        try {
            return StoredResponse.json(202, JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("two strings are always JSON", e);
        }
    }

    // ------------------------------------------------------------------------------------------- confirm mode

    /**
     * Confirm mode, step 1: the order to publish. Without a key, a new one (nothing is written yet). With a key:
     * the key is recorded as in progress and the order row written, both committed before this returns, so that
     * other replicas see the key and a retry after a failed publish finds the same ids.
     *
     * @throws ApiError 422 when the key was used with another body, 409 when its first request is still running
     */
    Reservation reserve(Optional<String> key, String requestHash, Supplier<OrderPlaced> newEvent) {
        if (key.isEmpty()) {
            OrderPlaced event = newEvent.get();
            return new Reservation(key, event.orderId(), UUID.randomUUID().toString(), Optional.of(event));
        }
        return inTransaction(tx -> {
            Optional<Reservation> answered = begin(tx, key.get(), requestHash);
            if (answered.isPresent()) {
                return answered.get();
            }
            // a previous attempt with this key may have failed to publish: the same order, the same message id
            Reservation reservation = findByKey(tx, key.get(), requestHash)
                    .orElseGet(() -> newReservation(key, newEvent.get()));
            insertIfAbsent(tx, reservation, "PUBLISHING", requestHash);
            return reservation;
        });
    }

    /**
     * Confirm mode, step 2 after the broker's confirm: with a key, the order is marked confirmed and the key's
     * answer stored. Without one there is nothing to answer again: the confirmed message in the broker is the
     * order's record (the consumer stores it), so the request costs no database write.
     */
    void confirmed(Reservation reservation) {
        if (reservation.key().isEmpty()) {
            return;
        }
        inTransaction(tx -> {
            setStatus(tx, reservation.orderId(), "CONFIRMED");
            keys.complete(tx, reservation.key().get(), accepted(reservation.orderId(), reservation.messageId()));
            return null;
        });
    }

    /**
     * Confirm mode, step 2 when the publish failed: the key is freed so that the client's retry runs again (and
     * publishes the same message id: the order row stays, status {@code PUBLISHING}).
     */
    void failed(Reservation reservation) {
        try {
            reservation.key().ifPresent(keys::abandon);
        } catch (DatabaseException e) {
            // the key stays in progress until its lock times out; then a retry takes it over
            LOG.warn("order {}: could not free its Idempotency-Key: {}", reservation.orderId(), e.getMessage());
        }
    }

    // -------------------------------------------------------------------------------------------- outbox mode

    /**
     * Outbox mode: the key's record, the order row and its {@code OrderPlaced} message (ordering key: the order
     * id) in one transaction. When this returns the order is accepted: the relay publishes it after the commit,
     * whether or not the broker is there right now.
     *
     * @throws ApiError 422 when the key was used with another body, 409 when its first request is still running
     */
    Reservation acceptIntoOutbox(Optional<String> key, String requestHash, Supplier<OrderPlaced> newEvent) {
        return inTransaction(tx -> {
            Reservation reservation;
            if (key.isPresent()) {
                // inside this transaction: a concurrent duplicate waits on the key's row until we commit
                Optional<Reservation> answered = begin(tx, key.get(), requestHash);
                if (answered.isPresent()) {
                    return answered.get();
                }
                reservation = findByKey(tx, key.get(), requestHash).orElseGet(() -> newReservation(key, newEvent.get()));
            } else {
                reservation = newReservation(key, newEvent.get());
            }
            OrderPlaced event = reservation.toPublish().orElseThrow();
            insertIfAbsent(tx, reservation, "OUTBOX", requestHash);
            setStatus(tx, reservation.orderId(), "OUTBOX");
            outbox.append(tx, event.toMessage(reservation.messageId()), reservation.orderId());
            if (key.isPresent()) {
                keys.complete(tx, key.get(), accepted(reservation.orderId(), reservation.messageId()));
            }
            return reservation;
        });
    }

    /** How many orders the producer keeps: those with an Idempotency-Key, and every order in outbox mode (a gauge). */
    long size() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select count(*) from orders");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("could not count orders: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------- internals

    /** Empty for a key this request now owns; the earlier answer for a completed one; else the 4xx to answer. */
    private Optional<Reservation> begin(Connection tx, String key, String requestHash) {
        IdempotencyOutcome outcome = keys.begin(tx, key, requestHash);
        switch (outcome.kind()) {
            case NEW:
                return Optional.empty();
            case REPLAY: {
                JsonNode answer = readJson(outcome.response().orElseThrow().bodyText());
                return Optional.of(new Reservation(Optional.of(key), answer.path("orderId").asText(),
                        answer.path("messageId").asText(), Optional.empty()));
            }
            case MISMATCH:
                throw ApiError.idempotencyKeyReused();
            default:
                throw ApiError.idempotencyKeyInProgress(outcome.retryAfter());
        }
    }

    private static Reservation newReservation(Optional<String> key, OrderPlaced event) {
        return new Reservation(key, event.orderId(), UUID.randomUUID().toString(), Optional.of(event));
    }

    /** The order an earlier, unanswered attempt with this key wrote (its key record was freed after a failure). */
    private static Optional<Reservation> findByKey(Connection tx, String key, String requestHash) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("select order_id, customer_id, items, placed_at, message_id,"
                + " request_hash from orders where idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                if (!requestHash.equals(rs.getString("request_hash"))) {
                    throw ApiError.idempotencyKeyReused();
                }
                List<OrderRequest.Item> items;
                try {
                    items = JSON.readValue(rs.getString("items"), ITEMS);
                } catch (JsonProcessingException e) {
                    throw new SQLException("the items of order " + rs.getString("order_id") + " are not JSON", e);
                }
                OrderPlaced event = new OrderPlaced(rs.getString("order_id"), rs.getString("customer_id"), items,
                        rs.getTimestamp("placed_at").toInstant().toString());
                return Optional.of(new Reservation(Optional.of(key), event.orderId(), rs.getString("message_id"),
                        Optional.of(event)));
            }
        }
    }

    private static void insertIfAbsent(Connection tx, Reservation reservation, String status, String requestHash)
            throws SQLException {
        OrderPlaced event = reservation.toPublish().orElseThrow();
        try (PreparedStatement ps = tx.prepareStatement("insert into orders (order_id, customer_id, items, placed_at,"
                + " message_id, status, idempotency_key, request_hash) values (?, ?, ?, ?, ?, ?, ?, ?)"
                + " on conflict do nothing")) {
            ps.setString(1, event.orderId());
            ps.setString(2, event.customerId());
            ps.setString(3, writeJson(event.items()));
            ps.setTimestamp(4, Timestamp.from(Instant.parse(event.placedAt())));
            ps.setString(5, reservation.messageId());
            ps.setString(6, status);
            ps.setString(7, reservation.key().orElse(null));
            ps.setString(8, reservation.key().isPresent() ? requestHash : null);
            ps.executeUpdate();
        }
    }

    private static void setStatus(Connection tx, String orderId, String status) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("update orders set status = ? where order_id = ?")) {
            ps.setString(1, status);
            ps.setString(2, orderId);
            ps.executeUpdate();
        }
    }

    private interface Work<R> {
        R run(Connection tx) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
     *
     * @throws ApiError 503 when the database fails (the client retries, with its key if it has one)
     */
    private <R> R inTransaction(Work<R> work) {
        try (Connection tx = dataSource.getConnection()) {
            tx.setAutoCommit(false);
            try {
                R result = work.run(tx);
                tx.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(tx);
                throw e;
            } finally {
                tx.setAutoCommit(true); // back to the pool as it came
            }
        } catch (SQLException | DatabaseException e) {
            LOG.warn("order database failed: {}", e.getMessage());
            throw ApiError.unavailable("The order database is not available; retry (with the same Idempotency-Key).",
                    Duration.ofSeconds(1));
        }
    }

    private static void rollbackQuietly(Connection tx) {
        try {
            tx.rollback();
        } catch (SQLException e) {
            // the connection is broken: the database rolls the transaction back itself
        }
    }

    private static String writeJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot be written as JSON", e);
        }
    }

    private static JsonNode readJson(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored answer is not JSON", e);
        }
    }
}
