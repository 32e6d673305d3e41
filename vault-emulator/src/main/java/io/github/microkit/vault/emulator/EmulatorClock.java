package io.github.microkit.vault.emulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The clock every TTL of the emulator runs on: the wall clock plus an offset that tests move forward
 * with {@link #advance(Duration)}. Moving it runs the emulator's expiry at once, so that a test which
 * advances past a lease's end finds the lease (and its RabbitMQ user) gone when {@code advance} returns.
 */
public final class EmulatorClock {

    private final Clock base;
    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);
    private final CopyOnWriteArrayList<Runnable> onAdvance = new CopyOnWriteArrayList<>();

    private EmulatorClock(Clock base) {
        this.base = base;
    }

    /** A clock that starts at the system's time. */
    public static EmulatorClock system() {
        return new EmulatorClock(Clock.system(ZoneOffset.UTC));
    }

    /** A clock that starts at the given base clock (e.g. a fixed one for reproducible timestamps). */
    public static EmulatorClock of(Clock base) {
        return new EmulatorClock(Objects.requireNonNull(base, "base"));
    }

    /** The emulator's current time. */
    public Instant now() {
        return base.instant().plus(offset.get());
    }

    /** How far this clock has been moved ahead of its base. */
    public Duration offset() {
        return offset.get();
    }

    /**
     * Moves the clock forward and expires every token and lease whose time has come, before returning.
     *
     * @throws IllegalArgumentException when the amount is negative: time in Vault never runs backwards
     */
    public void advance(Duration amount) {
        Objects.requireNonNull(amount, "amount");
        if (amount.isNegative()) {
            throw new IllegalArgumentException("the clock only moves forward, not by " + amount);
        }
        offset.accumulateAndGet(amount, Duration::plus);
        onAdvance.forEach(Runnable::run);
    }

    void onAdvance(Runnable listener) {
        onAdvance.add(listener);
    }

    void removeOnAdvance(Runnable listener) {
        onAdvance.remove(listener);
    }

    @Override
    public String toString() {
        return "EmulatorClock[now=" + now() + ", offset=" + offset.get() + "]";
    }
}
