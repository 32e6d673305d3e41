package io.github.microkit.outbox;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link IdempotencyStore#begin} found for a key. Switch on {@link #kind()}:
 * <ul>
 *   <li>{@link Kind#NEW}: the caller owns the key: do the work, then {@code complete} it (or {@code abandon} it on
 *       failure);</li>
 *   <li>{@link Kind#REPLAY}: the work was done; answer with {@link #response()};</li>
 *   <li>{@link Kind#MISMATCH}: the key was used with another request: answer {@code 422};</li>
 *   <li>{@link Kind#IN_PROGRESS}: the first request with this key has not finished: answer {@code 409} with
 *       {@code Retry-After: }{@link #retryAfter()}, or wait briefly and ask again.</li>
 * </ul>
 */
public final class IdempotencyOutcome {

    /** The four outcomes. */
    public enum Kind {
        NEW, REPLAY, MISMATCH, IN_PROGRESS
    }

    private final Kind kind;
    private final StoredResponse response;
    private final Duration retryAfter;

    private IdempotencyOutcome(Kind kind, StoredResponse response, Duration retryAfter) {
        this.kind = kind;
        this.response = response;
        this.retryAfter = retryAfter;
    }

    static IdempotencyOutcome fresh() {
        return new IdempotencyOutcome(Kind.NEW, null, Duration.ZERO);
    }

    static IdempotencyOutcome replay(StoredResponse response) {
        return new IdempotencyOutcome(Kind.REPLAY, Objects.requireNonNull(response, "response"), Duration.ZERO);
    }

    static IdempotencyOutcome mismatch() {
        return new IdempotencyOutcome(Kind.MISMATCH, null, Duration.ZERO);
    }

    static IdempotencyOutcome inProgress(Duration retryAfter) {
        return new IdempotencyOutcome(Kind.IN_PROGRESS, null, retryAfter);
    }

    public Kind kind() {
        return kind;
    }

    /** The stored response, for {@link Kind#REPLAY}. */
    public Optional<StoredResponse> response() {
        return Optional.ofNullable(response);
    }

    /** For {@link Kind#IN_PROGRESS}: when to try again ({@code Retry-After}); zero otherwise. */
    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public String toString() {
        return "IdempotencyOutcome[" + kind + (response == null ? "" : ", " + response) + "]";
    }
}
