package io.github.microkit.messaging;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import io.github.microkit.trace.TraceContext;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What came with a consumed message besides its body: ids, type, headers, trace context, the attempt number and
 * whether the broker delivered it before. Immutable; valid after the handler returns.
 */
public final class MessageMetadata {

    private final String queue;
    private final Envelope envelope;
    private final AMQP.BasicProperties properties;
    private final Map<String, Object> headers;
    private final TraceContext trace;
    private final int attempt;

    MessageMetadata(String queue, Envelope envelope, AMQP.BasicProperties properties, TraceContext trace,
            int attempt) {
        this.queue = queue;
        this.envelope = envelope;
        this.properties = properties;
        Map<String, Object> raw = properties.getHeaders();
        this.headers = raw == null ? Map.of() : Collections.unmodifiableMap(raw);
        this.trace = trace;
        this.attempt = attempt;
    }

    /** The queue the message was consumed from. */
    public String queue() {
        return queue;
    }

    /** The {@code message_id} property; empty when the publisher sent none (then it cannot be deduplicated). */
    public Optional<String> messageId() {
        return Optional.ofNullable(properties.getMessageId());
    }

    public Optional<String> correlationId() {
        return Optional.ofNullable(properties.getCorrelationId());
    }

    /** The {@code type} property, such as {@code order.placed.v1}. */
    public Optional<String> type() {
        return Optional.ofNullable(properties.getType());
    }

    public Optional<String> appId() {
        return Optional.ofNullable(properties.getAppId());
    }

    public Optional<Instant> timestamp() {
        return Optional.ofNullable(properties.getTimestamp()).map(java.util.Date::toInstant);
    }

    /** The exchange the message was last published to (the default exchange, {@code ""}, after a delayed retry). */
    public String exchange() {
        return envelope.getExchange();
    }

    public String routingKey() {
        return envelope.getRoutingKey();
    }

    /** Every header as the client decoded it (strings arrive as {@code LongString}; see {@link #header(String)}). */
    public Map<String, Object> headers() {
        return headers;
    }

    /** A header as text. */
    public Optional<String> header(String name) {
        Object value = headers.get(name);
        return value == null ? Optional.empty() : Optional.of(value.toString());
    }

    /** The trace context the message carried; a new root when it carried none or a malformed one. */
    public TraceContext trace() {
        return trace;
    }

    /** 1 on the first delivery, raised by each delayed retry ({@code x-attempt}). */
    public int attempt() {
        return attempt;
    }

    /** True when the broker delivered this message before (to this or another consumer) without an ack. */
    public boolean redelivered() {
        return envelope.isRedeliver();
    }

    /** {@code x-publisher-id}: which publisher instance sent it. */
    public Optional<String> publisherId() {
        return header(MessageHeaders.PUBLISHER_ID);
    }

    /** {@code x-publisher-seq}: its sequence number at that publisher. */
    public OptionalLong publisherSeq() {
        Object value = headers.get(MessageHeaders.PUBLISHER_SEQ);
        return value instanceof Number ? OptionalLong.of(((Number) value).longValue()) : OptionalLong.empty();
    }

    @Override
    public String toString() {
        // headers may hold personal data: ids only
        return "MessageMetadata[" + properties.getMessageId() + " from '" + queue + "', type " + properties.getType()
                + ", attempt " + attempt + (envelope.isRedeliver() ? ", redelivered" : "") + "]";
    }
}
