package io.github.microkit.samples.consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The consumer's orders, in its own tables ({@code db/consumer}). {@link #save} runs in the inbox's transaction:
 * the order, its history row and the inbox's record of the message id commit together, or not at all. Saving is
 * also idempotent on the order id ({@code on conflict do nothing}), so a second message about the same order (a
 * client's retry that the producer published under a new message id) never stores the order twice.
 */
final class OrderStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<OrderPlaced.Item>> ITEMS = new TypeReference<>() {
    };
    private static final String COLUMNS = "order_id, customer_id, items, status, trace_id, received_at, seq";

    /** What the consumer serves at {@code GET /orders/{orderId}}. */
    record StoredOrder(String orderId, String customerId, List<OrderPlaced.Item> items, String status, String traceId,
                       String receivedAt) {
    }

    /** One page of {@code GET /orders}; {@code next} is the cursor for the following page. */
    record Page(List<StoredOrder> items, Optional<String> next) {
    }

    private final DataSource dataSource;

    OrderStore(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Stores the order and a history row for {@code messageId}, in {@code tx} (neither committed nor closed here).
     *
     * @return true when the order is new, false when it was stored before
     */
    boolean save(Connection tx, OrderPlaced order, String messageId, String traceId, Instant receivedAt)
            throws SQLException {
        boolean inserted;
        try (PreparedStatement ps = tx.prepareStatement("insert into orders (order_id, customer_id, items, status,"
                + " trace_id, received_at) values (?, ?, ?, 'RECEIVED', ?, ?) on conflict do nothing")) {
            ps.setString(1, order.orderId());
            ps.setString(2, order.customerId());
            ps.setString(3, json(order.items()));
            ps.setString(4, traceId);
            ps.setTimestamp(5, Timestamp.from(receivedAt));
            inserted = ps.executeUpdate() == 1;
        }
        try (PreparedStatement ps = tx.prepareStatement("insert into order_history (order_id, message_id, event)"
                + " values (?, ?, ?)")) {
            ps.setString(1, order.orderId());
            ps.setString(2, messageId);
            ps.setString(3, inserted ? "stored" : "already-stored");
            ps.executeUpdate();
        }
        return inserted;
    }

    Optional<StoredOrder> find(String orderId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from orders where order_id = ?")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(order(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read order " + orderId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Up to {@code limit} orders after the order {@code after} (from the start when empty), in arrival order.
     *
     * @throws IllegalArgumentException when {@code after} names no order
     */
    Page page(Optional<String> after, int limit) {
        try (Connection c = dataSource.getConnection()) {
            long from = 0;
            if (after.isPresent()) {
                try (PreparedStatement ps = c.prepareStatement("select seq from orders where order_id = ?")) {
                    ps.setString(1, after.get());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalArgumentException("unknown cursor");
                        }
                        from = rs.getLong(1);
                    }
                }
            }
            List<StoredOrder> items = new ArrayList<>();
            boolean more = false;
            // one row more than asked for tells whether there is a next page
            try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from orders where seq > ?"
                    + " order by seq limit ?")) {
                ps.setLong(1, from);
                ps.setInt(2, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (items.size() == limit) {
                            more = true;
                            break;
                        }
                        items.add(order(rs));
                    }
                }
            }
            Optional<String> next = more ? Optional.of(items.get(items.size() - 1).orderId()) : Optional.empty();
            return new Page(List.copyOf(items), next);
        } catch (SQLException e) {
            throw new IllegalStateException("could not read a page of orders: " + e.getMessage(), e);
        }
    }

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

    private static StoredOrder order(ResultSet rs) throws SQLException {
        List<OrderPlaced.Item> items;
        try {
            items = JSON.readValue(rs.getString("items"), ITEMS);
        } catch (JsonProcessingException e) {
            throw new SQLException("the items of order " + rs.getString("order_id") + " are not JSON", e);
        }
        return new StoredOrder(rs.getString("order_id"), rs.getString("customer_id"), items, rs.getString("status"),
                rs.getString("trace_id"), rs.getTimestamp("received_at").toInstant().toString());
    }

    private static String json(List<OrderPlaced.Item> items) {
        try {
            return JSON.writeValueAsString(items);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the items cannot be written as JSON", e);
        }
    }
}
