package io.github.microkit.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * How a {@link Publisher} behaves; immutable, from {@link #defaults()} or {@link #builder()}.
 *
 * <p>Defaults: a window of 256 unconfirmed messages (RabbitMQ's guidance: throughput gains flatten
 * between 200 and 1,000) on one channel, a 5 s wait for room in the window, a 10 s confirm timeout and a
 * 16 MiB body limit (the broker closes the channel on a larger message, failing everything in flight on it).
 */
public final class PublisherConfig {

    /** 16 MiB, the default {@code max_message_size} of current RabbitMQ versions. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
    /** Channels per publisher unless {@link Builder#channels(int)} says otherwise. */
    public static final int DEFAULT_CHANNELS = 1;

    private static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final int window;
    private final int channels;
    private final Duration windowTimeout;
    private final Duration confirmTimeout;
    private final int maxMessageSize;
    private final String appId;
    private final String publisherId;
    private final ObjectMapper objectMapper;

    private PublisherConfig(Builder b) {
        this.window = b.window;
        this.channels = b.channels;
        this.windowTimeout = b.windowTimeout;
        this.confirmTimeout = b.confirmTimeout;
        this.maxMessageSize = b.maxMessageSize;
        this.appId = b.appId;
        this.publisherId = b.publisherId;
        this.objectMapper = b.objectMapper;
    }

    public static PublisherConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static Builder from(PublisherConfig base) {
        Objects.requireNonNull(base, "base");
        Builder b = new Builder();
        b.window = base.window;
        b.channels = base.channels;
        b.windowTimeout = base.windowTimeout;
        b.confirmTimeout = base.confirmTimeout;
        b.maxMessageSize = base.maxMessageSize;
        b.appId = base.appId;
        b.publisherId = base.publisherId;
        b.objectMapper = base.objectMapper;
        return b;
    }

    public int window() {
        return window;
    }

    /**
     * How many channels the publisher spreads its callers over. Each thread always publishes on the same one,
     * so the messages of one thread reach the broker in the order it published them.
     */
    public int channels() {
        return channels;
    }

    public Duration windowTimeout() {
        return windowTimeout;
    }

    public Duration confirmTimeout() {
        return confirmTimeout;
    }

    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** The {@code app_id} property: the service's name. Empty means the connection name is used. */
    public Optional<String> appId() {
        return Optional.ofNullable(appId);
    }

    /** The {@code x-publisher-id} header; empty means one is made up per publisher instance. */
    public Optional<String> publisherId() {
        return Optional.ofNullable(publisherId);
    }

    public ObjectMapper objectMapper() {
        return objectMapper;
    }

    @Override
    public String toString() {
        return "PublisherConfig[window=" + window + ", windowTimeout=" + windowTimeout + ", confirmTimeout="
                + confirmTimeout + ", maxMessageSize=" + maxMessageSize + ", appId=" + appId + "]";
    }

    static String newPublisherId(String appId) {
        return appId + "-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
    }

    /** Builds a {@link PublisherConfig}. */
    public static final class Builder {
        private int window = 256;
        private int channels = DEFAULT_CHANNELS;
        private Duration windowTimeout = Duration.ofSeconds(5);
        private Duration confirmTimeout = Duration.ofSeconds(10);
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private String appId;
        private String publisherId;
        private ObjectMapper objectMapper = DEFAULT_MAPPER;

        private Builder() {
        }

        /** How many messages may be unconfirmed at once; publishing beyond waits for room. */
        public Builder window(int window) {
            if (window < 1 || window > 65_535) {
                throw new IllegalArgumentException("window must be between 1 and 65535, was " + window);
            }
            this.window = window;
            return this;
        }

        /**
         * How many channels concurrent callers are spread over (default {@value PublisherConfig#DEFAULT_CHANNELS}).
         * On one channel every publish takes the same lock around the socket write; more channels let threads send
         * side by side, at the price of smaller confirm batches (one ack per channel instead of one for all). Each
         * thread is tied to one channel, so one thread's messages keep their order; the window is shared by all.
         * On our 2-core machines more than one did not pay (decision record 0101): measure before raising it.
         */
        public Builder channels(int channels) {
            if (channels < 1 || channels > 64) {
                throw new IllegalArgumentException("channels must be between 1 and 64, was " + channels);
            }
            this.channels = channels;
            return this;
        }

        /** How long a publish waits for room in a full window before failing with {@code WINDOW_FULL}. */
        public Builder windowTimeout(Duration windowTimeout) {
            this.windowTimeout = nonNegative(windowTimeout, "windowTimeout");
            return this;
        }

        /** How long a publish waits for the broker's confirm before failing with {@code CONFIRM_TIMEOUT}. */
        public Builder confirmTimeout(Duration confirmTimeout) {
            Objects.requireNonNull(confirmTimeout, "confirmTimeout");
            if (confirmTimeout.isZero() || confirmTimeout.isNegative()) {
                throw new IllegalArgumentException("confirmTimeout must be positive, was " + confirmTimeout);
            }
            this.confirmTimeout = confirmTimeout;
            return this;
        }

        /** Bodies larger than this are refused before sending; keep it at or below the broker's limit. */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxMessageSize must be positive, was " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        public Builder appId(String appId) {
            this.appId = nonBlank(appId, "appId");
            return this;
        }

        /** A stable publisher id; by default each publisher instance makes up its own. */
        public Builder publisherId(String publisherId) {
            this.publisherId = nonBlank(publisherId, "publisherId");
            return this;
        }

        public Builder objectMapper(ObjectMapper objectMapper) {
            this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper");
            return this;
        }

        public PublisherConfig build() {
            return new PublisherConfig(this);
        }

        private static Duration nonNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, was " + d);
            }
            return d;
        }

        private static String nonBlank(String s, String name) {
            Objects.requireNonNull(s, name);
            if (s.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return s;
        }
    }
}
