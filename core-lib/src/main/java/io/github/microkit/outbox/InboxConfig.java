package io.github.microkit.outbox;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link Inbox} keeps processed message ids; immutable, from {@link #defaults()}, {@link #builder()} or
 * {@link #from(InboxConfig)}.
 *
 * <h2>Choosing the retention</h2>
 * An id must be remembered for as long as a duplicate of its message can still arrive; after that its row is deleted
 * and a late duplicate would run the handler again. Take the longest of these paths, with a wide margin:
 * <ul>
 *   <li>the consumer's own delayed retries: the sum of the queue's {@code retryDelays} (a message retried later
 *       is not a duplicate, but its redelivery after a crash is);</li>
 *   <li>the broker's redelivery: an unacked message comes back when the consumer's channel closes, usually within
 *       seconds, but a consumer may be down for hours, with the message waiting in the queue;</li>
 *   <li>the producer's outbox republishing a row whose confirm was lost, after the claim lease, and a relay that
 *       was down for a while (a day-long outage of the producer's relay republishes a day late);</li>
 *   <li>manual replays from a dead-letter queue, if operators do that.</li>
 * </ul>
 * The default, 7 days, covers a consumer or relay down over a long weekend. The cost is one small row per message.
 */
public final class InboxConfig {

    private final Duration retention;
    private final Duration cleanupInterval;
    private final OutboxMetrics metrics;

    private InboxConfig(Builder b) {
        this.retention = b.retention;
        this.cleanupInterval = b.cleanupInterval;
        this.metrics = b.metrics;
    }

    public static InboxConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static Builder from(InboxConfig base) {
        Objects.requireNonNull(base, "base");
        Builder b = new Builder();
        b.retention = base.retention;
        b.cleanupInterval = base.cleanupInterval;
        b.metrics = base.metrics;
        return b;
    }

    /** How long a processed message id is remembered; see the class comment for how to choose it. */
    public Duration retention() {
        return retention;
    }

    /** How often expired ids are deleted in the background. */
    public Duration cleanupInterval() {
        return cleanupInterval;
    }

    public OutboxMetrics metrics() {
        return metrics;
    }

    @Override
    public String toString() {
        return "InboxConfig[retention=" + retention + ", cleanupInterval=" + cleanupInterval + "]";
    }

    /** Builds an {@link InboxConfig}; every setter validates at once. */
    public static final class Builder {
        private Duration retention = Duration.ofDays(7);
        private Duration cleanupInterval = Duration.ofHours(1);
        private OutboxMetrics metrics = OutboxMetrics.noop();

        private Builder() {
        }

        public Builder retention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            if (retention.isZero() || retention.isNegative()) {
                throw new IllegalArgumentException("retention must be positive, was " + retention + ". It must be"
                        + " longer than any redelivery window (see InboxConfig); the default is 7 days.");
            }
            this.retention = retention;
            return this;
        }

        public Builder cleanupInterval(Duration cleanupInterval) {
            Objects.requireNonNull(cleanupInterval, "cleanupInterval");
            if (cleanupInterval.compareTo(Duration.ofMillis(10)) < 0) {
                throw new IllegalArgumentException("cleanupInterval must be at least 10 ms, was " + cleanupInterval);
            }
            this.cleanupInterval = cleanupInterval;
            return this;
        }

        public Builder metrics(OutboxMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        public InboxConfig build() {
            return new InboxConfig(this);
        }
    }
}
