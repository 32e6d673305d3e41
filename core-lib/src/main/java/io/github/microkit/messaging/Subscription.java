package io.github.microkit.messaging;

import io.github.microkit.health.HealthCheck;
import java.time.Duration;

/**
 * A handler consuming a queue, from {@link Rabbit#subscribe(SubscriptionConfig, MessageHandler)} or, a batch of
 * messages at a time, {@link Rabbit#subscribeBatches(SubscriptionConfig, BatchHandler)}.
 *
 * <p>Each message is acked after the handler returned, retried later through the queue's delay queues when it
 * threw, and moved to the dead-letter queue when it cannot succeed (a body that does not decode, an unknown type,
 * {@link NonRetryableException}, or the last attempt failed). Retries and dead-letters are published with
 * confirms and the original is acked only after the broker confirmed the copy: a message is never acked before
 * it is safe somewhere.
 *
 * <p>After the client recovers the connection every consumer channel is checked and consumes again; the
 * subscription's {@link #healthCheck()} is {@code DOWN} while none consumes and remembers the interruption.
 */
public interface Subscription extends AutoCloseable {

    /** The queue consumed. */
    String queue();

    /** True while every consumer channel is consuming. */
    boolean consuming();

    /** The counts so far. */
    Stats stats();

    /** The loss detector fed by this subscription. */
    LossDetector lossDetector();

    /**
     * UP while every channel consumes; DEGRADED when only some do, or the loss detector sees persistent gaps; DOWN
     * while none does (the connection is away) or after close. Its facts count interruptions and say when the last
     * one started and ended.
     */
    HealthCheck healthCheck();

    /**
     * Drains and closes: no new deliveries are started, handlers already running may finish until
     * {@code deadline} (they are never interrupted) and what finished is acked; messages waiting in a batch are
     * handed to the handler at once. Messages not started, or whose handler was still running at the deadline, stay
     * unacked and go back to the queue when the channels close.
     *
     * @return true when every running handler finished in time
     */
    boolean close(Duration deadline);

    /** {@link #close(Duration)} with the configured drain timeout. */
    @Override
    void close();

    /**
     * Counts of one subscription.
     *
     * @param channels          consumer channels configured
     * @param consumingChannels of those, consuming now
     * @param inFlight          messages received and not yet settled: their handler is running, or they wait in a
     *                          batch
     * @param consumed          deliveries received
     * @param acked             deliveries acked (processed, skipped as duplicates, or safely moved)
     * @param retried           failed messages moved to a delay queue
     * @param deadLettered      messages moved to the dead-letter queue
     * @param duplicatesSkipped duplicates acked without calling the handler
     * @param requeued          deliveries returned to the queue (a retry or dead-letter could not be confirmed)
     * @param handlerFailures   handler calls that threw (a failed batch counts once, and then each of its messages
     *                          that throws again when run alone)
     * @param interruptions     times consumption stopped without being closed (connection lost, consumer cancelled)
     * @param resubscribed      consumer channels opened again by the subscription itself
     */
    record Stats(int channels, int consumingChannels, int inFlight, long consumed, long acked, long retried,
            long deadLettered, long duplicatesSkipped, long requeued, long handlerFailures, long interruptions,
            long resubscribed) {
    }
}
