package io.github.microkit.outbox;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link IdempotencyStore} keeps keys; immutable, from {@link #defaults()}, {@link #builder()} or
 * {@link #from(IdempotencyConfig)}.
 *
 * <p>Defaults: keys kept 24 hours (the contract's minimum: clients retry for at most that long); a first request
 * that has not completed within 30 s is presumed dead and a retry may take its key over; an in-progress answer
 * suggests {@code Retry-After: 1}.
 */
public final class IdempotencyConfig {

    private final Duration keyTtl;
    private final Duration lockTimeout;
    private final Duration retryAfter;

    private IdempotencyConfig(Builder b) {
        this.keyTtl = b.keyTtl;
        this.lockTimeout = b.lockTimeout;
        this.retryAfter = b.retryAfter;
    }

    public static IdempotencyConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static Builder from(IdempotencyConfig base) {
        Objects.requireNonNull(base, "base");
        Builder b = new Builder();
        b.keyTtl = base.keyTtl;
        b.lockTimeout = base.lockTimeout;
        b.retryAfter = base.retryAfter;
        return b;
    }

    /** How long a key and its response are kept after the first request. */
    public Duration keyTtl() {
        return keyTtl;
    }

    /** How long the first request owns its key before a retry may take it over (its owner presumed dead). */
    public Duration lockTimeout() {
        return lockTimeout;
    }

    /** What an {@code IN_PROGRESS} outcome suggests as {@code Retry-After}. */
    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public String toString() {
        return "IdempotencyConfig[keyTtl=" + keyTtl + ", lockTimeout=" + lockTimeout + ", retryAfter=" + retryAfter
                + "]";
    }

    /** Builds an {@link IdempotencyConfig}; every setter validates at once. */
    public static final class Builder {
        private Duration keyTtl = Duration.ofHours(24);
        private Duration lockTimeout = Duration.ofSeconds(30);
        private Duration retryAfter = Duration.ofSeconds(1);

        private Builder() {
        }

        /** At least a second; the HTTP contract asks for 24 hours or more. */
        public Builder keyTtl(Duration keyTtl) {
            this.keyTtl = positive(keyTtl, "keyTtl");
            if (keyTtl.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("keyTtl must be at least 1 s, was " + keyTtl);
            }
            return this;
        }

        public Builder lockTimeout(Duration lockTimeout) {
            this.lockTimeout = positive(lockTimeout, "lockTimeout");
            return this;
        }

        public Builder retryAfter(Duration retryAfter) {
            this.retryAfter = positive(retryAfter, "retryAfter");
            return this;
        }

        public IdempotencyConfig build() {
            if (lockTimeout.compareTo(keyTtl) >= 0) {
                throw new IllegalArgumentException("lockTimeout (" + lockTimeout + ") must be shorter than keyTtl ("
                        + keyTtl + ")");
            }
            return new IdempotencyConfig(this);
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
