package io.github.microkit.messaging;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a subscription consumes one queue; immutable, built by {@link #forQueue(QueueSpec, Class)}.
 *
 * <pre>{@code
 * SubscriptionConfig<OrderPlaced> config = SubscriptionConfig.forQueue(ordersPlaced, OrderPlaced.class)
 *         .acceptTypes("order.placed.v1")
 *         .prefetch(250).concurrency(4)
 *         .deduplicator(Deduplicator.inMemory())
 *         .build();
 * }</pre>
 *
 * <p>The queue's {@link QueueSpec} says where failures go: its {@linkplain QueueSpec#retryDelays() retry delays}
 * (one delay queue per step) and its dead-letter exchange; a message is tried once plus once per delay, then
 * dead-lettered. The queue needs dead-lettering: without it a poison message would have nowhere to go.
 *
 * <p>{@link Rabbit#subscribeBatches} hands messages to its {@link BatchHandler} in batches: a batch goes to the
 * handler when it holds {@link #batchSize()} messages or when {@link #batchWait()} has passed since its first
 * message, whichever comes first. {@link Rabbit#subscribe} ignores both settings.
 *
 * <p>Bodies are decoded as JSON by a tolerant reader: unknown properties are ignored (a producer may add fields),
 * but a missing constructor property of a record, or a null for a primitive, is a body of the wrong shape and is
 * dead-lettered.
 *
 * @param <T> the payload type
 */
public final class SubscriptionConfig<T> {

    private static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** Prefetch per consumer channel: RabbitMQ's guidance for throughput is a few hundred. */
    public static final int DEFAULT_PREFETCH = 250;

    /** Messages per batch of {@link Rabbit#subscribeBatches} unless set (or the prefetch, when that is smaller). */
    public static final int DEFAULT_BATCH_SIZE = 100;

    /** How long a batch waits for more messages unless set. */
    public static final Duration DEFAULT_BATCH_WAIT = Duration.ofMillis(10);

    /**
     * The longest batch wait. Buffered messages are unacked deliveries: a wait far beyond this only adds latency and
     * brings them near the broker's consumer timeout.
     */
    public static final Duration MAX_BATCH_WAIT = Duration.ofMinutes(1);

    private final QueueSpec queue;
    private final Class<T> payloadType;
    private final int prefetch;
    private final int concurrency;
    private final Deduplicator deduplicator;
    private final Set<String> acceptedTypes;
    private final ObjectMapper objectMapper;
    private final LossDetector lossDetector;
    private final Duration duplicateWait;
    private final Duration drainTimeout;
    private final Duration resubscribeBackoff;
    private final String consumerTagPrefix;
    private final int batchSizeSet; // 0: not set, follows the prefetch
    private final Duration batchWait;

    private SubscriptionConfig(Builder<T> b) {
        this.queue = b.queue;
        this.payloadType = b.payloadType;
        this.prefetch = b.prefetch;
        this.concurrency = b.concurrency;
        this.deduplicator = b.deduplicator;
        this.acceptedTypes = Set.copyOf(b.acceptedTypes);
        this.objectMapper = b.objectMapper;
        this.lossDetector = b.lossDetector != null ? b.lossDetector : LossDetector.create();
        this.duplicateWait = b.duplicateWait;
        this.drainTimeout = b.drainTimeout;
        this.resubscribeBackoff = b.resubscribeBackoff;
        this.consumerTagPrefix = b.consumerTagPrefix;
        this.batchSizeSet = b.batchSize;
        this.batchWait = b.batchWait;
    }

    /** A subscription to {@code queue} whose bodies are JSON of {@code payloadType}. */
    public static <T> Builder<T> forQueue(QueueSpec queue, Class<T> payloadType) {
        return new Builder<>(Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(payloadType, "payloadType"));
    }

    public static <T> Builder<T> from(SubscriptionConfig<T> base) {
        Objects.requireNonNull(base, "base");
        Builder<T> b = new Builder<>(base.queue, base.payloadType);
        b.prefetch = base.prefetch;
        b.concurrency = base.concurrency;
        b.deduplicator = base.deduplicator;
        b.acceptedTypes.addAll(base.acceptedTypes);
        b.objectMapper = base.objectMapper;
        b.lossDetector = base.lossDetector;
        b.duplicateWait = base.duplicateWait;
        b.drainTimeout = base.drainTimeout;
        b.resubscribeBackoff = base.resubscribeBackoff;
        b.consumerTagPrefix = base.consumerTagPrefix;
        b.batchSize = base.batchSizeSet;
        b.batchWait = base.batchWait;
        return b;
    }

    public QueueSpec queue() {
        return queue;
    }

    public Class<T> payloadType() {
        return payloadType;
    }

    /** Unacked messages the broker sends each consumer channel ahead. */
    public int prefetch() {
        return prefetch;
    }

    /** Consumer channels, each calling the handler for one message at a time. */
    public int concurrency() {
        return concurrency;
    }

    public Optional<Deduplicator> deduplicator() {
        return Optional.ofNullable(deduplicator);
    }

    /** The {@code type} values this subscription handles; empty means any (and none). */
    public Set<String> acceptedTypes() {
        return acceptedTypes;
    }

    boolean accepts(String type) {
        return acceptedTypes.isEmpty() || (type != null && acceptedTypes.contains(type));
    }

    public ObjectMapper objectMapper() {
        return objectMapper;
    }

    public LossDetector lossDetector() {
        return lossDetector;
    }

    /** How long a duplicate waits for another handler that holds its message id, before going back to the queue. */
    public Duration duplicateWait() {
        return duplicateWait;
    }

    /** How long {@link Subscription#close()} lets in-flight handlers finish. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** The pause between attempts to consume again when the client did not recover a consumer. */
    public Duration resubscribeBackoff() {
        return resubscribeBackoff;
    }

    public String consumerTagPrefix() {
        return consumerTagPrefix;
    }

    /**
     * The most messages {@link Rabbit#subscribeBatches} hands its handler at once: {@value #DEFAULT_BATCH_SIZE} unless
     * set, or the prefetch when that is smaller.
     */
    public int batchSize() {
        // unset, it follows the prefetch: a batch larger than the prefetch could never fill
        return batchSizeSet != 0 ? batchSizeSet : Math.min(DEFAULT_BATCH_SIZE, prefetch);
    }

    /** How long {@link Rabbit#subscribeBatches} waits after a batch's first message for it to fill. */
    public Duration batchWait() {
        return batchWait;
    }

    /** Attempts in all: the first delivery plus one per retry delay. */
    public int maxAttempts() {
        return queue.retryDelays().size() + 1;
    }

    @Override
    public String toString() {
        return "SubscriptionConfig[" + queue.name() + " as " + payloadType.getSimpleName() + ", prefetch=" + prefetch
                + ", concurrency=" + concurrency + ", maxAttempts=" + maxAttempts()
                + (deduplicator == null ? "" : ", " + deduplicator)
                + (acceptedTypes.isEmpty() ? "" : ", types=" + acceptedTypes) + "]";
    }

    /** Builds a {@link SubscriptionConfig}. */
    public static final class Builder<T> {
        private final QueueSpec queue;
        private final Class<T> payloadType;
        private int prefetch = DEFAULT_PREFETCH;
        private int concurrency = 1;
        private Deduplicator deduplicator;
        private final Set<String> acceptedTypes = new LinkedHashSet<>();
        private ObjectMapper objectMapper = DEFAULT_MAPPER;
        private LossDetector lossDetector;
        private Duration duplicateWait = Duration.ofSeconds(10);
        private Duration drainTimeout = Duration.ofSeconds(20);
        private Duration resubscribeBackoff = Duration.ofSeconds(1);
        private String consumerTagPrefix = "microkit";
        private int batchSize; // 0: not set, follows the prefetch
        private Duration batchWait = DEFAULT_BATCH_WAIT;

        private Builder(QueueSpec queue, Class<T> payloadType) {
            if (!queue.deadLettering()) {
                throw new IllegalArgumentException("queue '" + queue.name() + "' has no dead-lettering: a message that"
                        + " cannot be processed would have nowhere to go. Build its QueueSpec with deadLettering(true)"
                        + " (QueueSpec.quorum does).");
            }
            this.queue = queue;
            this.payloadType = payloadType;
        }

        public Builder<T> prefetch(int prefetch) {
            if (prefetch < 1 || prefetch > 65_535) {
                throw new IllegalArgumentException("prefetch must be between 1 and 65535, was " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        public Builder<T> concurrency(int concurrency) {
            if (concurrency < 1 || concurrency > 256) {
                throw new IllegalArgumentException("concurrency must be between 1 and 256, was " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** Skips duplicates by message id (none by default: then handlers must be idempotent themselves). */
        public Builder<T> deduplicator(Deduplicator deduplicator) {
            this.deduplicator = Objects.requireNonNull(deduplicator, "deduplicator");
            return this;
        }

        /** Only these message types are handled; any other is dead-lettered as non-retryable. */
        public Builder<T> acceptTypes(String... types) {
            for (String type : types) {
                Objects.requireNonNull(type, "type");
                if (type.isBlank()) {
                    throw new IllegalArgumentException("a message type must not be blank");
                }
                acceptedTypes.add(type);
            }
            return this;
        }

        public Builder<T> objectMapper(ObjectMapper objectMapper) {
            this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper");
            return this;
        }

        /** A detector shared with other subscriptions of the same messages (by default each has its own). */
        public Builder<T> lossDetector(LossDetector lossDetector) {
            this.lossDetector = Objects.requireNonNull(lossDetector, "lossDetector");
            return this;
        }

        public Builder<T> duplicateWait(Duration duplicateWait) {
            this.duplicateWait = requireNonNegative(duplicateWait, "duplicateWait");
            return this;
        }

        public Builder<T> drainTimeout(Duration drainTimeout) {
            this.drainTimeout = requireNonNegative(drainTimeout, "drainTimeout");
            return this;
        }

        public Builder<T> resubscribeBackoff(Duration resubscribeBackoff) {
            this.resubscribeBackoff = requireNonNegative(resubscribeBackoff, "resubscribeBackoff");
            if (resubscribeBackoff.isZero()) {
                throw new IllegalArgumentException("resubscribeBackoff must be positive");
            }
            return this;
        }

        /** Consumer tags are {@code <prefix>-<queue>-<n>-<random>}; shown in the management UI. */
        public Builder<T> consumerTagPrefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (prefix.isBlank()) {
                throw new IllegalArgumentException("consumer tag prefix must not be blank");
            }
            this.consumerTagPrefix = prefix;
            return this;
        }

        /**
         * The most messages per batch of {@link Rabbit#subscribeBatches} (default {@value #DEFAULT_BATCH_SIZE}, or the
         * prefetch when that is smaller). It must not exceed the prefetch: the broker sends a channel at most that
         * many unacked messages, so a larger batch could never fill. A prefetch of at least twice the batch size
         * keeps messages coming while a batch is handled.
         */
        public Builder<T> batchSize(int batchSize) {
            if (batchSize < 1 || batchSize > 65_535) {
                throw new IllegalArgumentException("batchSize must be between 1 and the prefetch (at most 65535), was "
                        + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /**
         * How long a batch waits for more messages after its first one (default 10 ms, at most 1 minute); a batch that
         * has not filled by then goes to the handler as it is. It bounds the latency batching adds.
         */
        public Builder<T> batchWait(Duration batchWait) {
            Objects.requireNonNull(batchWait, "batchWait");
            if (batchWait.isZero() || batchWait.isNegative() || batchWait.compareTo(MAX_BATCH_WAIT) > 0) {
                throw new IllegalArgumentException("batchWait must be positive and at most " + MAX_BATCH_WAIT
                        + ", was " + batchWait + ": it is the latency a message may wait for its batch to fill");
            }
            this.batchWait = batchWait;
            return this;
        }

        /**
         * @throws IllegalArgumentException when the batch size set exceeds the prefetch
         */
        public SubscriptionConfig<T> build() {
            if (batchSize > prefetch) {
                throw new IllegalArgumentException("batchSize " + batchSize + " exceeds the prefetch " + prefetch
                        + ": the broker sends a channel at most prefetch unacked messages, so a batch could never fill."
                        + " Raise the prefetch (to twice the batch size, so messages keep coming while a batch is"
                        + " handled) or lower batchSize.");
            }
            return new SubscriptionConfig<>(this);
        }

        private static Duration requireNonNegative(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, was " + value);
            }
            return value;
        }
    }
}
