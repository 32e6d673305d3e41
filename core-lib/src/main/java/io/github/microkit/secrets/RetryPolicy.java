package io.github.microkit.secrets;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded retries with jittered exponential backoff, for Vault calls that failed in a way waiting may fix:
 * no connection, 5xx, 412 (a performance standby not yet caught up) and 429. A rejected login, a denied
 * path or a missing secret is never retried: asking again gets the same answer and fills the audit log.
 *
 * @param maxAttempts    attempts in total, at least 1 (1 means no retry)
 * @param initialBackoff upper bound of the first pause; doubles per attempt
 * @param maxBackoff     upper bound of any pause
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoffs must be >= 0 and maxBackoff >= initialBackoff");
        }
    }

    /** 4 attempts, pauses of up to 200 ms, 400 ms, 800 ms (capped at 2 s). */
    public static RetryPolicy defaults() {
        return new RetryPolicy(4, Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    /** One attempt only. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    }

    /**
     * The pause before attempt {@code attempt + 1}, "full jitter": uniformly random up to the capped
     * exponential bound, so that many instances hitting a recovering Vault do not retry in step.
     */
    Duration backoff(int attempt) {
        long bound = initialBackoff.toMillis();
        for (int i = 1; i < attempt && bound < maxBackoff.toMillis(); i++) {
            bound *= 2;
        }
        bound = Math.min(bound, maxBackoff.toMillis());
        return bound <= 0 ? Duration.ZERO : Duration.ofMillis(ThreadLocalRandom.current().nextLong(bound + 1));
    }
}
