package io.github.microkit.samples.common;

import io.github.microkit.config.ConfigException;
import io.github.microkit.outbox.SchemaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Start-up steps that wait on the network or the disk (the issuer's keys, the database's migrations) or take long to
 * load (the HTTP server) run on a thread of their own while the main thread connects to the broker: the service is
 * ready sooner, and each step still reads as one line where its result is needed.
 */
public final class Startup {

    private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

    private Startup() {
    }

    /**
     * A service's {@code main}: runs {@code start}. When that fails, logs why, runs {@code stop} (closing what did
     * start) and ends the JVM with exit code 2 for a configuration or schema problem, 1 for anything else. When it
     * succeeds, {@code stop} runs at SIGTERM (docker stop, Kubernetes) and Ctrl-C, as a JVM shutdown hook.
     */
    public static void startOrExit(Runnable start, Runnable stop) {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(stop, "stop");
        try {
            start.run();
        } catch (ConfigException e) {
            LOG.error("cannot start: {}", e.getMessage()); // every problem in one message, no stack trace
            stop.run();
            System.exit(2);
        } catch (SchemaException | ServiceSchemaException e) {
            // the database's schema is missing or newer than this code: the message says which and how to fix it
            LOG.error("cannot start: {}", e.getMessage());
            stop.run();
            System.exit(2);
        } catch (RuntimeException e) {
            LOG.error("cannot start", e);
            stop.run();
            System.exit(1);
        }
        // SIGTERM (docker stop, Kubernetes) and Ctrl-C run the JVM's shutdown hooks
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "shutdown"));
    }

    /**
     * Starts {@code step} on a new daemon thread. Not the common pool: on a 2-core machine it has one thread, and
     * two steps would wait for each other.
     */
    public static <T> CompletableFuture<T> inBackground(String name, Supplier<T> step) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(step, "step");
        return CompletableFuture.supplyAsync(step, task -> {
            Thread thread = new Thread(task, "startup-" + name);
            thread.setDaemon(true);
            thread.start();
        });
    }

    /**
     * What a route needs that exists only at the end of the start-up, for an HTTP server that starts serving before
     * then: until {@link Late#set} a request that needs it gets 503 with {@code Retry-After} (the service is
     * starting; readiness says so too), never a 500 or a half-built answer.
     */
    public static <T> Late<T> late(String what) {
        return new Late<>(Objects.requireNonNull(what, "what"));
    }

    /** Something a route needs, set once at the end of the start-up; see {@link #late}. */
    public static final class Late<T> {

        private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

        private final String what;
        private volatile T value;

        private Late(String what) {
            this.what = what;
        }

        /** The value; before {@link #set}, a 503 for the request that asked. */
        public T get() {
            T current = value;
            if (current == null) {
                throw ApiError.unavailable("The service is starting (" + what + " is not ready yet); retry shortly.",
                        RETRY_AFTER);
            }
            return current;
        }

        public boolean isSet() {
            return value != null;
        }

        /** Sets the value, once. */
        public void set(T value) {
            Objects.requireNonNull(value, what);
            synchronized (this) {
                if (this.value != null) {
                    throw new IllegalStateException(what + " is set already");
                }
                this.value = value;
            }
        }

        @Override
        public String toString() {
            return "Late[" + what + (value == null ? ", not set]" : ", set]");
        }
    }

    /** The step's result; when it failed, its own exception, so that {@code main} reports it as it would any other. */
    public static <T> T await(CompletableFuture<T> step) {
        try {
            return step.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            if (e.getCause() instanceof Error) {
                throw (Error) e.getCause();
            }
            throw e;
        }
    }
}
