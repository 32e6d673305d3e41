package io.github.microkit.samples.common;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Start-up steps that wait on the network or the disk (the issuer's keys, the database's migrations) run on a thread
 * of their own while the main thread connects to the broker: the service is ready sooner, and each step still reads
 * as one line where its result is needed.
 */
public final class Startup {

    private Startup() {
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
