package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.ApiError;
import io.javalin.http.Context;
import java.time.Duration;

/**
 * Counts requests that are doing work and, at shutdown, refuses new ones and waits for those running: an
 * order whose publish has started gets its answer (202 after the confirm, or 503) before the connection to
 * the broker closes. Explicit rather than hidden in the server's graceful stop, so the sample shows it.
 *
 * <p>A request counts from the first before-handler of its route ({@link #enter(Context)}) to its last
 * after-handler ({@link #exit(Context)}), so the token check is inside too: the server stops only once no request
 * is past the gate, and a request the stop would cut short (its thread interrupted) cannot exist.
 */
final class InFlight {

    private static final String COUNTED = "microkit-in-flight";

    private int running; // guarded by this
    private boolean draining; // guarded by this

    /** Before-handler: counts the request. @throws ApiError 503 once draining has begun (retry elsewhere) */
    void enter(Context ctx) {
        enter();
        ctx.attribute(COUNTED, Boolean.TRUE);
    }

    /** After-handler (Javalin runs it after errors too): the request is done, if {@link #enter} counted it. */
    void exit(Context ctx) {
        if (ctx.attribute(COUNTED) != null) {
            ctx.attribute(COUNTED, null);
            exit();
        }
    }

    /** @throws ApiError 503 once draining has begun: the client retries against another instance */
    synchronized void enter() {
        if (draining) {
            throw ApiError.unavailable("The service is shutting down; retry.", Duration.ofSeconds(1));
        }
        running++;
    }

    synchronized void exit() {
        running--;
        if (running == 0) {
            notifyAll();
        }
    }

    synchronized boolean draining() {
        return draining;
    }

    /** Refuses new work and waits up to {@code timeout} for the running requests; returns how many are left. */
    synchronized int drain(Duration timeout) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return running;
    }
}
