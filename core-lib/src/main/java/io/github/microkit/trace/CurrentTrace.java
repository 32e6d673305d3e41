package io.github.microkit.trace;

import java.util.Objects;
import java.util.Optional;

/**
 * The trace context of the work the current thread is doing.
 *
 * <p>An HTTP handler opens a scope with the request's context; code below it (a publisher, a log line)
 * reads {@link #get()} without the context being passed through every signature. Scopes nest and restore
 * what was there before on {@link Scope#close()}, so use them with try-with-resources.
 */
public final class CurrentTrace {

    private static final ThreadLocal<TraceContext> CURRENT = new ThreadLocal<>();

    private CurrentTrace() {
    }

    public static Optional<TraceContext> get() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Makes {@code context} current until the returned scope is closed. */
    public static Scope open(TraceContext context) {
        Objects.requireNonNull(context, "context");
        TraceContext previous = CURRENT.get();
        CURRENT.set(context);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** A current-context scope; closing it restores the previous context. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
