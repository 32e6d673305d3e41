package io.github.microkit.messaging;

import com.rabbitmq.client.MetricsCollector;
import com.rabbitmq.client.impl.MicrometerMetricsCollector;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

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
    private final ConcurrentMap<String, QueueGauges> gaugesByQueue = new ConcurrentHashMap<>();

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
    public Runnable gauges(String queue, Supplier<Subscription.Stats> stats, LossDetector lossDetector) {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(lossDetector, "lossDetector");
        QueueGauges.Member member = new QueueGauges.Member(stats, lossDetector);
        gaugesByQueue.compute(queue, (q, existing) -> {
            QueueGauges gauges = existing != null ? existing : new QueueGauges(q);
            gauges.members.add(member);
            return gauges;
        });
        return () -> gaugesByQueue.computeIfPresent(queue, (q, gauges) -> {
            gauges.members.remove(member);
            if (gauges.members.isEmpty()) {
                gauges.meters.forEach(registry::remove);
                return null;
            }
            return gauges;
        });
    }

    /** The gauges of one queue: sums over its live subscriptions (a loss detector shared by several counts once). */
    private final class QueueGauges {

        /** One subscription's share; compared by identity, so the same supplier twice is two members. */
        private static final class Member {
            private final Supplier<Subscription.Stats> stats;
            private final LossDetector lossDetector;

            Member(Supplier<Subscription.Stats> stats, LossDetector lossDetector) {
                this.stats = stats;
                this.lossDetector = lossDetector;
            }
        }

        private final List<Member> members = new CopyOnWriteArrayList<>();
        private final List<Meter> meters;

        QueueGauges(String queue) {
            Tags tags = Tags.of("queue", queue);
            meters = List.of(
                    gauge("consuming.channels", tags, () -> sumStats(Subscription.Stats::consumingChannels)),
                    gauge("in.flight", tags, () -> sumStats(Subscription.Stats::inFlight)),
                    gauge("loss.missing", tags, () -> sumLoss(r -> r.missing())),
                    gauge("loss.duplicates", tags, () -> sumLoss(r -> r.duplicates())),
                    gauge("loss.reordered", tags, () -> sumLoss(r -> r.reordered())));
        }

        private double sumStats(ToDoubleFunction<Subscription.Stats> value) {
            double sum = 0;
            for (Member member : members) {
                sum += value.applyAsDouble(member.stats.get());
            }
            return sum;
        }

        private double sumLoss(ToDoubleFunction<LossDetector.Report> value) {
            Set<LossDetector> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            double sum = 0;
            for (Member member : members) {
                if (seen.add(member.lossDetector)) {
                    sum += value.applyAsDouble(member.lossDetector.report());
                }
            }
            return sum;
        }

        private Meter gauge(String name, Tags tags, DoubleSupplier value) {
            // a strong reference: Micrometer holds a gauge's object weakly, and this one is referenced nowhere else
            return Gauge.builder(PREFIX + name, value, DoubleSupplier::getAsDouble).tags(tags).strongReference(true)
                    .register(registry);
        }
    }

    @Override
    public String toString() {
        return "MicrometerMessagingMetrics[" + registry.getClass().getSimpleName() + "]";
    }
}
