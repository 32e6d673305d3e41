package io.github.microkit.messaging;

import com.rabbitmq.client.MetricsCollector;
import com.rabbitmq.client.impl.MicrometerMetricsCollector;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link MessagingMetrics} reported to a Micrometer {@code MeterRegistry}, with amqp-client's own
 * {@code MicrometerMetricsCollector} on each connection ({@code rabbitmq.*}, tagged {@code connection=publish|consume}).
 *
 * <p>Meters: {@code microkit.messaging.published}, {@code .confirmed}, {@code .publish.failed} (tag {@code reason}),
 * timer {@code .confirm}; per queue {@code .consumed}, {@code .acked}, {@code .retried}, {@code .dead.lettered},
 * {@code .duplicates.skipped}, timer {@code .handler} (tag {@code outcome}); gauges {@code .consuming.channels},
 * {@code .in.flight}, {@code .loss.missing}, {@code .loss.duplicates}, {@code .loss.reordered}.
 *
 * <p>This is the only class of the library that uses Micrometer; it is loaded only when called, so the library
 * works without Micrometer on the class path.
 */
public final class MicrometerMessagingMetrics implements MessagingMetrics {

    private static final String PREFIX = "microkit.messaging.";

    private final MeterRegistry registry;

    private MicrometerMessagingMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public static MessagingMetrics of(MeterRegistry registry) {
        return new MicrometerMessagingMetrics(Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public Optional<MetricsCollector> connectionCollector(String role) {
        return Optional.of(new MicrometerMetricsCollector(registry, "rabbitmq", Tags.of("connection", role)));
    }

    @Override
    public PublisherMetrics publisher(String publisherId) {
        // per publisher instance ids are unbounded: do not tag by them
        Counter published = registry.counter(PREFIX + "published");
        Counter confirmed = registry.counter(PREFIX + "confirmed");
        Timer confirm = Timer.builder(PREFIX + "confirm").description("publish to confirm").register(registry);
        Map<PublishException.Reason, Counter> failed = new EnumMap<>(PublishException.Reason.class);
        for (PublishException.Reason reason : PublishException.Reason.values()) {
            failed.put(reason, registry.counter(PREFIX + "publish.failed", "reason", reason.name().toLowerCase()));
        }
        return new PublisherMetrics() {
            @Override
            public void published() {
                published.increment();
            }

            @Override
            public void confirmed(long latencyNanos) {
                confirmed.increment();
                confirm.record(latencyNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void failed(PublishException.Reason reason) {
                failed.get(reason).increment();
            }
        };
    }

    @Override
    public ConsumerMetrics consumer(String queue) {
        Tags tags = Tags.of("queue", queue);
        Counter consumed = registry.counter(PREFIX + "consumed", tags);
        Counter acked = registry.counter(PREFIX + "acked", tags);
        Counter retried = registry.counter(PREFIX + "retried", tags);
        Counter deadLettered = registry.counter(PREFIX + "dead.lettered", tags);
        Counter duplicates = registry.counter(PREFIX + "duplicates.skipped", tags);
        Timer ok = Timer.builder(PREFIX + "handler").tags(tags).tag("outcome", "success").register(registry);
        Timer failed = Timer.builder(PREFIX + "handler").tags(tags).tag("outcome", "failure").register(registry);
        return new ConsumerMetrics() {
            @Override
            public void consumed() {
                consumed.increment();
            }

            @Override
            public void acked() {
                acked.increment();
            }

            @Override
            public void retried() {
                retried.increment();
            }

            @Override
            public void deadLettered() {
                deadLettered.increment();
            }

            @Override
            public void duplicateSkipped() {
                duplicates.increment();
            }

            @Override
            public void handled(long nanos, boolean succeeded) {
                (succeeded ? ok : failed).record(nanos, TimeUnit.NANOSECONDS);
            }
        };
    }

    @Override
    public void gauges(String queue, Supplier<Subscription.Stats> stats, LossDetector lossDetector) {
        // strong references: Micrometer holds gauge objects weakly, and the supplier is referenced nowhere else
        Tags tags = Tags.of("queue", queue);
        gauge("consuming.channels", stats, s -> s.get().consumingChannels(), tags);
        gauge("in.flight", stats, s -> s.get().inFlight(), tags);
        gauge("loss.missing", lossDetector, d -> d.report().missing(), tags);
        gauge("loss.duplicates", lossDetector, d -> d.report().duplicates(), tags);
        gauge("loss.reordered", lossDetector, d -> d.report().reordered(), tags);
    }

    private <S> void gauge(String name, S source, java.util.function.ToDoubleFunction<S> value, Tags tags) {
        Gauge.builder(PREFIX + name, source, value).tags(tags).strongReference(true).register(registry);
    }

    @Override
    public String toString() {
        return "MicrometerMessagingMetrics[" + registry.getClass().getSimpleName() + "]";
    }
}
