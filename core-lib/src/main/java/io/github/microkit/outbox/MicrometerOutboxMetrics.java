package io.github.microkit.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@link OutboxMetrics} reported to a Micrometer {@code MeterRegistry}.
 *
 * <p>Meters: {@code microkit.outbox.published}, {@code microkit.outbox.publish.failed} (tag {@code reason}, e.g.
 * {@code unroutable}), gauges {@code microkit.outbox.backlog} (pending rows) and
 * {@code microkit.outbox.oldest.pending.seconds}; {@code microkit.inbox.handled} (tags {@code consumer},
 * {@code outcome} = {@code processed} or {@code duplicate}).
 *
 * <p>The only class of the package that uses Micrometer; it is loaded only when called.
 */
public final class MicrometerOutboxMetrics implements OutboxMetrics {

    private final MeterRegistry registry;

    private MicrometerOutboxMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public static OutboxMetrics of(MeterRegistry registry) {
        return new MicrometerOutboxMetrics(Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public void published(int rows) {
        registry.counter("microkit.outbox.published").increment(rows);
    }

    @Override
    public void failed(String reason) {
        registry.counter("microkit.outbox.publish.failed", "reason", reason.toLowerCase(Locale.ROOT)).increment();
    }

    @Override
    public void gauges(Supplier<OutboxRelay.Stats> stats) {
        Gauge.builder("microkit.outbox.backlog", stats, s -> s.get().backlog())
                .description("outbox rows not yet confirmed by the broker").register(registry);
        Gauge.builder("microkit.outbox.oldest.pending.seconds", stats, s -> s.get().oldestPending().toMillis() / 1000.0)
                .description("age of the oldest pending outbox row").register(registry);
    }

    @Override
    public void inboxHandled(String consumer, boolean duplicate) {
        registry.counter("microkit.inbox.handled", "consumer", consumer, "outcome",
                duplicate ? "duplicate" : "processed").increment();
    }
}
