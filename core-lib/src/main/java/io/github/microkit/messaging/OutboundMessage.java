package io.github.microkit.messaging;

import io.github.microkit.trace.TraceContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A message to publish: where to, the payload, and the properties of the contract.
 *
 * <pre>{@code
 * OutboundMessage message = OutboundMessage.to("orders", "order.placed")
 *         .payload(new OrderPlaced(orderId, customerId, items))   // encoded as JSON
 *         .type("order.placed.v1")
 *         .build();
 * }</pre>
 *
 * <p>The message id is fixed when the message is built (a random UUID unless given): publish the same
 * object again after a failure and consumers that deduplicate count it once. Immutable and safe to share.
 */
public final class OutboundMessage {

    private final String exchange;
    private final String routingKey;
    private final Object payload;
    private final byte[] body;
    private final String contentType;
    private final String messageId;
    private final String correlationId;
    private final String type;
    private final Map<String, Object> headers;
    private final TraceContext trace;
    private final boolean mandatory;
    private final String appId;
    private final java.time.Instant timestamp;

    private OutboundMessage(Builder b) {
        this.exchange = b.exchange;
        this.routingKey = b.routingKey;
        this.payload = b.payload;
        this.body = b.body;
        this.contentType = b.contentType;
        this.messageId = b.messageId != null ? b.messageId : UUID.randomUUID().toString();
        this.correlationId = b.correlationId != null ? b.correlationId : this.messageId;
        this.type = b.type;
        this.headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.trace = b.trace;
        this.mandatory = b.mandatory;
        this.appId = b.appId;
        this.timestamp = b.timestamp;
    }

    /**
     * A message to a named exchange. The exchange must not be empty: to publish straight to a queue through
     * the default exchange, say so with {@link #toQueue(String)}.
     */
    public static Builder to(String exchange, String routingKey) {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
        if (exchange.isBlank()) {
            throw new InvalidMessageException("The exchange name is empty. Name the exchange to publish to, or use"
                    + " OutboundMessage.toQueue(queue) to publish straight to a queue through the default exchange.");
        }
        return new Builder(exchange, routingKey);
    }

    /** A message straight to {@code queue} through the default exchange. */
    public static Builder toQueue(String queue) {
        Objects.requireNonNull(queue, "queue");
        if (queue.isBlank()) {
            throw new InvalidMessageException("The queue name is empty: name the queue to publish to.");
        }
        return new Builder("", queue);
    }

    /** A builder with everything of {@code base}, keeping its message id unless changed. */
    public static Builder from(OutboundMessage base) {
        Objects.requireNonNull(base, "base");
        Builder b = new Builder(base.exchange, base.routingKey);
        b.payload = base.payload;
        b.body = base.body;
        b.contentType = base.contentType;
        b.messageId = base.messageId;
        b.correlationId = base.correlationId;
        b.type = base.type;
        b.headers.putAll(base.headers);
        b.trace = base.trace;
        b.mandatory = base.mandatory;
        b.appId = base.appId;
        b.timestamp = base.timestamp;
        return b;
    }

    public String exchange() {
        return exchange;
    }

    public String routingKey() {
        return routingKey;
    }

    /** The object to encode as JSON, when the message was built with one. */
    public Optional<Object> payload() {
        return Optional.ofNullable(payload);
    }

    /** The raw body, when the message was built with one (a copy). */
    public Optional<byte[]> body() {
        return Optional.ofNullable(body).map(byte[]::clone);
    }

    byte[] rawBody() {
        return body;
    }

    public String contentType() {
        return contentType;
    }

    public String messageId() {
        return messageId;
    }

    public String correlationId() {
        return correlationId;
    }

    public Optional<String> type() {
        return Optional.ofNullable(type);
    }

    public Map<String, Object> headers() {
        return headers;
    }

    /** The trace context to send; when absent the publisher uses the current one, or starts a trace. */
    public Optional<TraceContext> trace() {
        return Optional.ofNullable(trace);
    }

    public boolean mandatory() {
        return mandatory;
    }

    /**
     * The {@code app_id} to send; when absent the publisher's own (its config's, else the connection name). Set
     * when the message was made by another process than the one publishing it, such as an outbox row.
     */
    public Optional<String> appId() {
        return Optional.ofNullable(appId);
    }

    /**
     * The {@code timestamp} to send; when absent the time of publishing. Set when the message was made earlier
     * than it is published, such as an outbox row (AMQP carries whole seconds).
     */
    public Optional<java.time.Instant> timestamp() {
        return Optional.ofNullable(timestamp);
    }

    @Override
    public String toString() {
        // the payload may hold personal data: leave it out
        return "OutboundMessage[" + messageId + " to '" + exchange + "' / '" + routingKey + "'"
                + (type == null ? "" : ", type " + type) + "]";
    }

    /** Builds an {@link OutboundMessage}. */
    public static final class Builder {
        private final String exchange;
        private final String routingKey;
        private Object payload;
        private byte[] body;
        private String contentType = "application/json";
        private String messageId;
        private String correlationId;
        private String type;
        private final Map<String, Object> headers = new LinkedHashMap<>();
        private TraceContext trace;
        private boolean mandatory = true;
        private String appId;
        private java.time.Instant timestamp;

        private Builder(String exchange, String routingKey) {
            this.exchange = exchange;
            this.routingKey = routingKey;
        }

        /** An object the publisher encodes as JSON with its {@code ObjectMapper}. */
        public Builder payload(Object payload) {
            this.payload = Objects.requireNonNull(payload, "payload");
            this.body = null;
            this.contentType = "application/json";
            return this;
        }

        /** A body already encoded, with its content type. */
        public Builder body(byte[] body, String contentType) {
            this.body = Objects.requireNonNull(body, "body").clone();
            this.contentType = Objects.requireNonNull(contentType, "contentType");
            this.payload = null;
            return this;
        }

        public Builder messageId(String messageId) {
            Objects.requireNonNull(messageId, "messageId");
            if (messageId.isBlank() || messageId.length() > 255) {
                throw new InvalidMessageException("A message id must be 1 to 255 characters, was "
                        + messageId.length() + ". Leave it unset to get a random UUID.");
            }
            this.messageId = messageId;
            return this;
        }

        public Builder correlationId(String correlationId) {
            this.correlationId = Objects.requireNonNull(correlationId, "correlationId");
            return this;
        }

        /** The message type, versioned, such as {@code order.placed.v1}: consumers route and reject on it. */
        public Builder type(String type) {
            Objects.requireNonNull(type, "type");
            if (type.isBlank()) {
                throw new InvalidMessageException("The message type is blank; use a versioned name such as"
                        + " order.placed.v1.");
            }
            this.type = type;
            return this;
        }

        /** An application header; the contract's own headers ({@code traceparent}, {@code x-publisher-*}, {@code x-attempt}) are set by the publisher. */
        public Builder header(String name, Object value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (MessageHeaders.reserved(name)) {
                throw new InvalidMessageException("Header '" + name + "' is set by the publisher itself; for the"
                        + " trace context use trace(...).");
            }
            headers.put(name, value);
            return this;
        }

        public Builder trace(TraceContext trace) {
            this.trace = Objects.requireNonNull(trace, "trace");
            return this;
        }

        /**
         * Whether an unroutable message fails its publish (the default) instead of being dropped by the broker.
         */
        public Builder mandatory(boolean mandatory) {
            this.mandatory = mandatory;
            return this;
        }

        /** The {@code app_id} property, instead of the publisher's. */
        public Builder appId(String appId) {
            Objects.requireNonNull(appId, "appId");
            if (appId.isBlank()) {
                throw new InvalidMessageException("The app id is blank; leave it unset to send the publisher's.");
            }
            this.appId = appId;
            return this;
        }

        /** The {@code timestamp} property, instead of the time of publishing. */
        public Builder timestamp(java.time.Instant timestamp) {
            this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
            return this;
        }

        public OutboundMessage build() {
            if (payload == null && body == null) {
                throw new InvalidMessageException("The message to '" + exchange + "' / '" + routingKey
                        + "' has no payload: call payload(object) or body(bytes, contentType).");
            }
            return new OutboundMessage(this);
        }
    }
}
