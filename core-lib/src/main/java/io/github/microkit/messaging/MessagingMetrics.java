package io.github.microkit.messaging;

import com.rabbitmq.client.MetricsCollector;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where {@code messaging} reports what it counts. Micrometer is optional: this interface names none of its
 * types, {@link #noop()} is the default, and {@link MicrometerMessagingMetrics#of(io.micrometer.core.instrument.MeterRegistry)}
 * (the only class that touches Micrometer, loaded only when called) reports to a {@code MeterRegistry}.
 *
 * <pre>{@code
 * Rabbit rabbit = Rabbit.connect(config, MicrometerMessagingMetrics.of(prometheusRegistry));
 * }</pre>
 */
public interface MessagingMetrics {

    /** Reports nothing. */
    static MessagingMetrics noop() {
        return NoopMessagingMetrics.INSTANCE;
    }

    /** The client's own collector for a connection ({@code role} is {@code publish} or {@code consume}). */
    default Optional<MetricsCollector> connectionCollector(String role) {
        return Optional.empty();
    }

    /** The counters of one publisher. */
    default PublisherMetrics publisher(String publisherId) {
        return NoopMessagingMetrics.INSTANCE;
    }

    /** The counters of the subscriptions of one queue. */
    default ConsumerMetrics consumer(String queue) {
        return NoopMessagingMetrics.INSTANCE;
    }

    /**
     * Gauges for a subscription's state: consuming channels, in flight, the loss detector's numbers. Several
     * subscriptions of one queue add up. Returns what the subscription runs when it closes: it takes its share out
     * of the gauges (and the gauges away with the last one), so a closed subscription is not reported forever.
     */
    default Runnable gauges(String queue, Supplier<Subscription.Stats> stats, LossDetector lossDetector) {
        return () -> { };
    }

    /** Counts of one publisher. */
    interface PublisherMetrics {
        void published();

        void confirmed(long latencyNanos);

        /** A publish that failed, for {@code reason} (nacked, returned as unroutable, timed out ...). */
        void failed(PublishException.Reason reason);
    }

    /** Counts of the subscriptions of one queue. */
    interface ConsumerMetrics {
        void consumed();

        void acked();

        void retried();

        void deadLettered();

        void duplicateSkipped();

        /** The time the handler took; {@code succeeded} false when it threw. */
        void handled(long nanos, boolean succeeded);
    }
}
