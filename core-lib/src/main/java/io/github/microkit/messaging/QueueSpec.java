package io.github.microkit.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A durable queue to declare, with the companions that keep its messages safe.
 *
 * <p>{@link #quorum(String)} is the default: replicated, with a dead-letter exchange {@code <name>.dlx}
 * and queue {@code <name>.dlq}, {@code x-dead-letter-strategy: at-least-once} and
 * {@code x-overflow: reject-publish}, so the broker itself never drops a message: a full queue refuses
 * the publish (the publisher sees a nack) instead of discarding the oldest message, and a message that
 * reaches the delivery limit is moved, not deleted. With {@link Builder#retryDelays(Duration...)} it also
 * gets one delay queue per backoff step ({@code <name>.retry.<n>}) whose expired messages go back to this
 * queue only, through the default exchange.
 */
public final class QueueSpec {

    /** Delivery limit of quorum queues: a backstop for poison messages that crash the consumer itself. */
    public static final int DEFAULT_DELIVERY_LIMIT = 20;

    private final String name;
    private final QueueType type;
    private final boolean deadLettering;
    private final Integer deliveryLimit;
    private final Duration messageTtl;
    private final Long maxLength;
    private final List<Duration> retryDelays;
    private final Map<String, Object> extraArguments;

    private QueueSpec(Builder b) {
        this.name = b.name;
        this.type = b.type;
        this.deadLettering = b.deadLettering;
        this.deliveryLimit = b.deliveryLimit;
        this.messageTtl = b.messageTtl;
        this.maxLength = b.maxLength;
        this.retryDelays = List.copyOf(b.retryDelays);
        this.extraArguments = Map.copyOf(b.extraArguments);
    }

    /** A quorum queue with dead-lettering and a delivery limit: the safe default. */
    public static Builder quorum(String name) {
        return new Builder(name, QueueType.QUORUM).deadLettering(true).deliveryLimit(DEFAULT_DELIVERY_LIMIT);
    }

    /** A classic (single-copy) queue, without dead-lettering unless asked for. */
    public static Builder classic(String name) {
        return new Builder(name, QueueType.CLASSIC);
    }

    public String name() {
        return name;
    }

    public QueueType type() {
        return type;
    }

    public boolean deadLettering() {
        return deadLettering;
    }

    public Optional<Integer> deliveryLimit() {
        return Optional.ofNullable(deliveryLimit);
    }

    public Optional<Duration> messageTtl() {
        return Optional.ofNullable(messageTtl);
    }

    public Optional<Long> maxLength() {
        return Optional.ofNullable(maxLength);
    }

    /** The delay of each retry step, first to last; empty when the queue has no delayed retries. */
    public List<Duration> retryDelays() {
        return retryDelays;
    }

    /** {@code <name>.dlx}: where the broker and the consumer send messages that cannot be processed. */
    public String deadLetterExchange() {
        return name + ".dlx";
    }

    /** {@code <name>.dlq}. */
    public String deadLetterQueue() {
        return name + ".dlq";
    }

    /** {@code <name>.retry.<step>}, step counted from 1. */
    public String retryQueue(int step) {
        if (step < 1 || step > retryDelays.size()) {
            throw new IllegalArgumentException("queue '" + name + "' has " + retryDelays.size()
                    + " retry steps; there is no step " + step);
        }
        return name + ".retry." + step;
    }

    /** The {@code x-} arguments the queue is declared with. */
    public Map<String, Object> arguments() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("x-queue-type", type.amqpName());
        if (deadLettering) {
            args.put("x-dead-letter-exchange", deadLetterExchange());
            args.put("x-dead-letter-routing-key", name);
            if (type == QueueType.QUORUM) {
                // at-least-once dead-lettering is only safe when the queue never drops on overflow
                args.put("x-dead-letter-strategy", "at-least-once");
                args.put("x-overflow", "reject-publish");
            }
        }
        if (deliveryLimit != null) {
            args.put("x-delivery-limit", deliveryLimit);
        }
        if (messageTtl != null) {
            args.put("x-message-ttl", Math.toIntExact(messageTtl.toMillis()));
        }
        if (maxLength != null) {
            args.put("x-max-length", maxLength);
            args.putIfAbsent("x-overflow", "reject-publish");
        }
        args.putAll(extraArguments);
        return args;
    }

    @Override
    public String toString() {
        return "QueueSpec[" + name + " " + arguments() + (retryDelays.isEmpty() ? "" : " retries " + retryDelays) + "]";
    }

    /** Builds a {@link QueueSpec}. */
    public static final class Builder {
        private final String name;
        private final QueueType type;
        private boolean deadLettering;
        private Integer deliveryLimit;
        private Duration messageTtl;
        private Long maxLength;
        private List<Duration> retryDelays = new ArrayList<>();
        private final Map<String, Object> extraArguments = new LinkedHashMap<>();

        private Builder(String name, QueueType type) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a queue name must not be blank: server-named queues are"
                        + " not part of a declared topology");
            }
            if (name.startsWith("amq.")) {
                throw new IllegalArgumentException("queue '" + name + "': names starting with 'amq.' are reserved");
            }
            this.name = name;
            this.type = type;
        }

        /** Dead-letter exchange and queue ({@code <name>.dlx}, {@code <name>.dlq}) for this queue. */
        public Builder deadLettering(boolean deadLettering) {
            this.deadLettering = deadLettering;
            return this;
        }

        /** After this many deliveries a message is dead-lettered by the broker (quorum queues only). */
        public Builder deliveryLimit(int limit) {
            if (type != QueueType.QUORUM) {
                throw new IllegalArgumentException("queue '" + name + "': a delivery limit needs a quorum queue");
            }
            if (limit < 1) {
                throw new IllegalArgumentException("queue '" + name + "': delivery limit must be at least 1");
            }
            this.deliveryLimit = limit;
            return this;
        }

        public Builder messageTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative() || ttl.isZero() || ttl.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("queue '" + name + "': message TTL must be between 1 ms and "
                        + Integer.MAX_VALUE + " ms, was " + ttl);
            }
            this.messageTtl = ttl;
            return this;
        }

        /** At most this many messages; further publishes are refused (nacked), never the oldest dropped. */
        public Builder maxLength(long maxLength) {
            if (maxLength < 1) {
                throw new IllegalArgumentException("queue '" + name + "': max length must be at least 1");
            }
            this.maxLength = maxLength;
            return this;
        }

        /** One delay queue per step; a message that fails for the n-th time waits {@code delays[n-1]}. */
        public Builder retryDelays(Duration... delays) {
            List<Duration> list = new ArrayList<>();
            for (Duration d : delays) {
                Objects.requireNonNull(d, "delay");
                if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("queue '" + name + "': retry delays must be between 1 ms and "
                            + Integer.MAX_VALUE + " ms, was " + d);
                }
                list.add(d);
            }
            this.retryDelays = list;
            return this;
        }

        public Builder argument(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            extraArguments.put(key, value);
            return this;
        }

        public QueueSpec build() {
            if (deliveryLimit != null && !deadLettering) {
                throw new IllegalArgumentException("queue '" + name + "': a delivery limit without dead-lettering"
                        + " would make the broker drop messages; turn dead-lettering on");
            }
            return new QueueSpec(this);
        }
    }
}
