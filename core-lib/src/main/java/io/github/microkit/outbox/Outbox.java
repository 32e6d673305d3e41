package io.github.microkit.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * The transactional outbox: {@link #append} records a message in the application's own database transaction, and
 * an {@link OutboxRelay} publishes it after the transaction commits. The message and the business data commit
 * together or not at all, so there is no "saved but never published" and no "published but rolled back".
 *
 * <pre>{@code
 * Outbox outbox = Outbox.create();
 * try (Connection tx = dataSource.getConnection()) {
 *     tx.setAutoCommit(false);
 *     orders.insert(tx, order);                                   // your own write
 *     outbox.append(tx, OutboundMessage.to("orders", "order.placed")
 *             .payload(new OrderPlaced(order.id(), order.customerId()))
 *             .type("order.placed.v1")
 *             .build(), order.id());                              // ordering key: one order's events stay in order
 *     tx.commit();                                                // now, and only now, the relay publishes it
 * }
 * }</pre>
 *
 * <p>Each row keeps what the publisher would send: message id, exchange, routing key, type, content type,
 * correlation id, app id, the append time as {@code timestamp}, the application headers, the trace context that
 * was current at append (so the trace of the HTTP request travels with the message), the body (a payload is encoded
 * to JSON here, at append) and the ordering key. The relay adds the contract's delivery mode 2 and publisher
 * headers. Delivery is at least once: a relay that crashes between publishing and marking a row sent publishes it
 * again, with the same message id, and the consumer's {@link Inbox} absorbs the duplicate.
 *
 * <p>Header values must survive JSON: strings, numbers, booleans, lists and maps of those (an integer header that
 * fits 32 bits arrives as an {@code int}). Immutable and safe to share; it holds no connection.
 */
public final class Outbox {

    private static final ObjectMapper HEADER_MAPPER = new ObjectMapper();

    private static final String COLUMNS = "message_id, exchange, routing_key, ordering_key, message_type,"
            + " content_type, correlation_id, app_id, traceparent, tracestate, headers, body, mandatory, created_at";
    private static final String VALUES = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp";
    private static final String INSERT = "insert into microkit_outbox (" + COLUMNS + ") values (" + VALUES + ")";
    /** PostgreSQL: insert and notify in one round trip; the notification is delivered at commit, never on rollback. */
    private static final String INSERT_AND_NOTIFY = "with appended as (insert into microkit_outbox (" + COLUMNS
            + ") values (" + VALUES + ") returning id) select id, pg_notify(?, '') from appended";

    private final OutboxConfig config;

    private Outbox(OutboxConfig config) {
        this.config = config;
    }

    public static Outbox create(OutboxConfig config) {
        return new Outbox(Objects.requireNonNull(config, "config"));
    }

    public static Outbox create() {
        return create(OutboxConfig.defaults());
    }

    public OutboxConfig config() {
        return config;
    }

    /**
     * Records {@code message} in the caller's transaction, without an ordering key (it may be published before or
     * after other rows). The transaction is neither committed nor closed here.
     *
     * @return the row's id
     * @throws IllegalStateException when {@code tx} is in auto-commit mode (the row would commit on its own)
     * @throws IllegalArgumentException when the body is over the size limit or a header cannot be stored as JSON
     * @throws DatabaseException when the insert fails
     */
    public long append(Connection tx, OutboundMessage message) {
        return insert(tx, message, null);
    }

    /**
     * Records {@code message} in the caller's transaction with an ordering key: rows with the same key are
     * published in the order they were appended (their ids), never an earlier one after a later one, also with
     * several relays. Use the aggregate's id (an order id), not a constant: rows of one key go out one at a time.
     *
     * @param orderingKey 1 to 255 characters
     * @return the row's id
     */
    public long append(Connection tx, OutboundMessage message, String orderingKey) {
        Objects.requireNonNull(orderingKey, "orderingKey");
        if (orderingKey.isEmpty() || orderingKey.length() > 255) {
            throw new IllegalArgumentException("An ordering key must be 1 to 255 characters, was "
                    + orderingKey.length() + ". Use the id of the entity whose events must stay in order.");
        }
        return insert(tx, message, orderingKey);
    }

    /** Records every message of {@code messages} in the caller's transaction, each under {@code orderingKey}. */
    public void appendAll(Connection tx, Collection<OutboundMessage> messages, String orderingKey) {
        Objects.requireNonNull(messages, "messages");
        for (OutboundMessage message : messages) {
            append(tx, message, orderingKey);
        }
    }

    private long insert(Connection tx, OutboundMessage message, String orderingKey) {
        Objects.requireNonNull(tx, "tx");
        Objects.requireNonNull(message, "message");
        try {
            if (tx.getAutoCommit()) {
                throw new IllegalStateException("Outbox.append needs the caller's transaction, but the connection is"
                        + " in auto-commit mode: the row would commit on its own, apart from your data. Call"
                        + " connection.setAutoCommit(false) first and commit after your own writes.");
            }
            byte[] body = encode(message);
            if (body.length > config.maxMessageSize()) {
                throw new IllegalArgumentException("Message " + message.messageId() + " to exchange '"
                        + message.exchange() + "' is " + body.length + " bytes, over the limit of "
                        + config.maxMessageSize() + " bytes. The broker would refuse it; store a reference to the"
                        + " data instead (or raise maxMessageSize together with the broker's max_message_size).");
            }
            TraceContext trace = message.trace()
                    .orElseGet(() -> CurrentTrace.get().map(TraceContext::newChild).orElseGet(TraceContext::newRoot));
            boolean notify = config.notifyOnAppend() && Dialect.of(tx) == Dialect.POSTGRESQL;
            try (PreparedStatement ps = notify ? tx.prepareStatement(INSERT_AND_NOTIFY)
                    : tx.prepareStatement(INSERT, new String[] {"id"})) {
                int i = 1;
                ps.setString(i++, message.messageId());
                ps.setString(i++, message.exchange());
                ps.setString(i++, message.routingKey());
                setNullable(ps, i++, orderingKey);
                setNullable(ps, i++, message.type().orElse(null));
                ps.setString(i++, message.contentType());
                setNullable(ps, i++, message.correlationId());
                setNullable(ps, i++, message.appId().orElse(config.appId().orElse(null)));
                ps.setString(i++, trace.traceparent());
                setNullable(ps, i++, trace.traceState().orElse(null));
                setNullable(ps, i++, headersJson(message));
                ps.setBytes(i++, body);
                ps.setBoolean(i++, message.mandatory());
                if (notify) {
                    ps.setString(i, config.channel());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                }
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    if (!keys.next()) {
                        throw new DatabaseException("append to the outbox", "The database returned no id for the"
                                + " outbox row of message " + message.messageId(), null);
                    }
                    return keys.getLong(1);
                }
            }
        } catch (SQLException e) {
            throw DatabaseException.of("append message " + message.messageId() + " to the outbox", e);
        }
    }

    private byte[] encode(OutboundMessage message) {
        if (message.body().isPresent()) {
            return message.body().get();
        }
        Object payload = message.payload().orElseThrow();
        try {
            return config.objectMapper().writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The payload of message " + message.messageId() + " (a "
                    + payload.getClass().getName() + ") cannot be encoded as JSON: " + e.getOriginalMessage()
                    + ". Make it a record or a bean with getters, or register a serializer on the ObjectMapper.", e);
        }
    }

    private static String headersJson(OutboundMessage message) {
        Map<String, Object> headers = message.headers();
        if (headers.isEmpty()) {
            return null;
        }
        for (Map.Entry<String, Object> header : headers.entrySet()) {
            requireJsonValue(message, header.getKey(), header.getValue());
        }
        try {
            return HEADER_MAPPER.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The headers of message " + message.messageId()
                    + " cannot be stored as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void requireJsonValue(OutboundMessage message, String name, Object value) {
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return;
        }
        if (value instanceof Collection) {
            for (Object element : (Collection<?>) value) {
                requireJsonValue(message, name, element);
            }
            return;
        }
        if (value instanceof Map) {
            for (Object element : ((Map<?, ?>) value).values()) {
                requireJsonValue(message, name, element);
            }
            return;
        }
        throw new IllegalArgumentException("Header '" + name + "' of message " + message.messageId() + " is a "
                + (value == null ? "null" : value.getClass().getName()) + ", which an outbox row cannot keep: use a"
                + " string, number, boolean, or a list or map of those.");
    }

    private static void setNullable(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

}
