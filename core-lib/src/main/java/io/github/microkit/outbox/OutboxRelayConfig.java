package io.github.microkit.outbox;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * How an {@link OutboxRelay} claims, publishes and cleans up; immutable, from {@link #defaults()},
 * {@link #builder()} or {@link #from(OutboxRelayConfig)}. Every setter validates at once.
 *
 * <p>Defaults: batches of 500 rows, two in progress at once; a 60 s claim lease per row (a crashed relay's rows are taken over after it;
 * keep it well above the publisher's confirm timeout); a 100 ms poll, and on PostgreSQL a listener that wakes
 * the relay at once for appenders that {@linkplain OutboxConfig#notifyOnAppend() notify}; failed rows retried after 1 s, doubling to at most 60 s; while the broker is away the relay
 * pauses 100 ms, doubling to at most 5 s; sent rows kept 1 hour, deleted every minute; health {@code DEGRADED} when
 * the oldest pending row is older than 60 s.
 */
public final class OutboxRelayConfig {

    private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final String relayId;
    private final int batchSize;
    private final int workers;
    private final Duration pollInterval;
    private final boolean listen;
    private final String channel;
    private final Duration leaseDuration;
    private final Duration retryBackoffInitial;
    private final Duration retryBackoffMax;
    private final Duration brokerBackoffInitial;
    private final Duration brokerBackoffMax;
    private final Duration sentRetention;
    private final Duration cleanupInterval;
    private final Duration staleAfter;
    private final OutboxMetrics metrics;

    private OutboxRelayConfig(Builder b) {
        this.relayId = b.relayId != null ? b.relayId : newRelayId();
        this.batchSize = b.batchSize;
        this.workers = b.workers;
        this.pollInterval = b.pollInterval;
        this.listen = b.listen;
        this.channel = b.channel;
        this.leaseDuration = b.leaseDuration;
        this.retryBackoffInitial = b.retryBackoffInitial;
        this.retryBackoffMax = b.retryBackoffMax;
        this.brokerBackoffInitial = b.brokerBackoffInitial;
        this.brokerBackoffMax = b.brokerBackoffMax;
        this.sentRetention = b.sentRetention;
        this.cleanupInterval = b.cleanupInterval;
        this.staleAfter = b.staleAfter;
        this.metrics = b.metrics;
    }

    public static OutboxRelayConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static Builder from(OutboxRelayConfig base) {
        Objects.requireNonNull(base, "base");
        Builder b = new Builder();
        b.relayId = base.relayId;
        b.batchSize = base.batchSize;
        b.workers = base.workers;
        b.pollInterval = base.pollInterval;
        b.listen = base.listen;
        b.channel = base.channel;
        b.leaseDuration = base.leaseDuration;
        b.retryBackoffInitial = base.retryBackoffInitial;
        b.retryBackoffMax = base.retryBackoffMax;
        b.brokerBackoffInitial = base.brokerBackoffInitial;
        b.brokerBackoffMax = base.brokerBackoffMax;
        b.sentRetention = base.sentRetention;
        b.cleanupInterval = base.cleanupInterval;
        b.staleAfter = base.staleAfter;
        b.metrics = base.metrics;
        return b;
    }

    /** Written to {@code claimed_by}: which relay holds a row (unique per relay instance by default). */
    public String relayId() {
        return relayId;
    }

    /** Rows claimed per batch. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Batches in progress at once (threads of this relay): while one waits for its confirms, another claims or
     * marks. As safe as that many relays.
     */
    public int workers() {
        return workers;
    }

    /** How long an idle relay waits before looking again (less when a notification arrives). */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** Whether to {@code LISTEN} for appends on PostgreSQL (ignored elsewhere: then it only polls). */
    public boolean listen() {
        return listen;
    }

    public String channel() {
        return channel;
    }

    /** How long a claim holds a row; after it another relay may take the row (the holder is presumed dead). */
    public Duration leaseDuration() {
        return leaseDuration;
    }

    /** The wait before a row whose publish failed (nacked, returned, timed out) is tried again; doubles per attempt. */
    public Duration retryBackoffInitial() {
        return retryBackoffInitial;
    }

    public Duration retryBackoffMax() {
        return retryBackoffMax;
    }

    /** The relay's pause after it found the broker away; doubles while it stays away. */
    public Duration brokerBackoffInitial() {
        return brokerBackoffInitial;
    }

    public Duration brokerBackoffMax() {
        return brokerBackoffMax;
    }

    /** How long sent rows stay in the table (for inspection) before they are deleted; zero deletes them soon. */
    public Duration sentRetention() {
        return sentRetention;
    }

    public Duration cleanupInterval() {
        return cleanupInterval;
    }

    /** A pending row older than this turns the relay's health {@code DEGRADED}. */
    public Duration staleAfter() {
        return staleAfter;
    }

    public OutboxMetrics metrics() {
        return metrics;
    }

    @Override
    public String toString() {
        return "OutboxRelayConfig[relayId=" + relayId + ", batchSize=" + batchSize + ", workers=" + workers
                + ", pollInterval=" + pollInterval
                + ", listen=" + listen + ", lease=" + leaseDuration + ", retryBackoff=" + retryBackoffInitial + ".."
                + retryBackoffMax + ", brokerBackoff=" + brokerBackoffInitial + ".." + brokerBackoffMax
                + ", sentRetention=" + sentRetention + "]";
    }

    static String newRelayId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | RuntimeException e) {
            host = "relay";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
    }

    static String requireChannel(String channel) {
        Objects.requireNonNull(channel, "channel");
        if (!CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("channel must be a lower-case SQL identifier of at most 63 characters"
                    + " (letters, digits, underscores), was '" + channel + "'");
        }
        return channel;
    }

    /** Builds an {@link OutboxRelayConfig}. */
    public static final class Builder {
        private String relayId;
        private int batchSize = 500;
        private int workers = 2;
        private Duration pollInterval = Duration.ofMillis(100);
        private boolean listen = true;
        private String channel = OutboxConfig.DEFAULT_CHANNEL;
        private Duration leaseDuration = Duration.ofSeconds(60);
        private Duration retryBackoffInitial = Duration.ofSeconds(1);
        private Duration retryBackoffMax = Duration.ofSeconds(60);
        private Duration brokerBackoffInitial = Duration.ofMillis(100);
        private Duration brokerBackoffMax = Duration.ofSeconds(5);
        private Duration sentRetention = Duration.ofHours(1);
        private Duration cleanupInterval = Duration.ofMinutes(1);
        private Duration staleAfter = Duration.ofSeconds(60);
        private OutboxMetrics metrics = OutboxMetrics.noop();

        private Builder() {
        }

        public Builder relayId(String relayId) {
            Objects.requireNonNull(relayId, "relayId");
            if (relayId.isBlank() || relayId.length() > 255) {
                throw new IllegalArgumentException("relayId must be 1 to 255 characters, was " + relayId.length());
            }
            this.relayId = relayId;
            return this;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("batchSize must be between 1 and 10000, was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        public Builder workers(int workers) {
            if (workers < 1 || workers > 16) {
                throw new IllegalArgumentException("workers must be between 1 and 16, was " + workers);
            }
            this.workers = workers;
            return this;
        }

        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = requireAtLeast(pollInterval, Duration.ofMillis(1), "pollInterval");
            return this;
        }

        public Builder listen(boolean listen) {
            this.listen = listen;
            return this;
        }

        public Builder channel(String channel) {
            this.channel = requireChannel(channel);
            return this;
        }

        public Builder leaseDuration(Duration leaseDuration) {
            this.leaseDuration = requireAtLeast(leaseDuration, Duration.ofMillis(100), "leaseDuration");
            return this;
        }

        public Builder retryBackoff(Duration initial, Duration max) {
            this.retryBackoffInitial = requireAtLeast(initial, Duration.ofMillis(1), "retryBackoff initial");
            this.retryBackoffMax = requireAtLeast(max, initial, "retryBackoff max");
            return this;
        }

        public Builder brokerBackoff(Duration initial, Duration max) {
            this.brokerBackoffInitial = requireAtLeast(initial, Duration.ofMillis(1), "brokerBackoff initial");
            this.brokerBackoffMax = requireAtLeast(max, initial, "brokerBackoff max");
            return this;
        }

        public Builder sentRetention(Duration sentRetention) {
            this.sentRetention = requireAtLeast(sentRetention, Duration.ZERO, "sentRetention");
            return this;
        }

        public Builder cleanupInterval(Duration cleanupInterval) {
            this.cleanupInterval = requireAtLeast(cleanupInterval, Duration.ofMillis(10), "cleanupInterval");
            return this;
        }

        public Builder staleAfter(Duration staleAfter) {
            this.staleAfter = requireAtLeast(staleAfter, Duration.ofMillis(1), "staleAfter");
            return this;
        }

        public Builder metrics(OutboxMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        public OutboxRelayConfig build() {
            if (pollInterval.compareTo(leaseDuration) >= 0) {
                throw new IllegalArgumentException("pollInterval (" + pollInterval + ") must be shorter than the"
                        + " leaseDuration (" + leaseDuration + ")");
            }
            return new OutboxRelayConfig(this);
        }

        private static Duration requireAtLeast(Duration value, Duration min, String name) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0) {
                throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
            }
            return value;
        }
    }
}
