package io.github.microkit.messaging;

import java.time.Duration;
import java.util.Objects;

/**
 * Remembers which message ids were processed, so that a redelivered or republished duplicate is acked without
 * calling the handler again. Two phases, so that a crash in the middle of a handler never marks a message done:
 * {@link #claim(String)} before the handler, {@link #complete(String)} after it returned, {@link #release(String)}
 * when it failed (the retry must be allowed to run).
 *
 * <p>{@link #inMemory(int, Duration)} is bounded by size and age and lives as long as the process: it catches
 * the duplicates of at-least-once delivery (a lost ack, a reconnect, a publisher's retry after a lost confirm),
 * which arrive within seconds. For duplicates across restarts or across instances sharing a queue, back it with
 * the database the handler writes to, for example PostgreSQL:
 *
 * <pre>{@code
 * create table processed_message (
 *     message_id  text primary key,
 *     state       text not null,            -- 'claimed' or 'done'
 *     claimed_at  timestamptz not null,
 *     done_at     timestamptz);
 *
 * claim:    insert into processed_message values (?, 'claimed', now(), null) on conflict do nothing;
 *           -- 1 row: FIRST. 0 rows: select state, claimed_at -> 'done': DONE;
 *           -- 'claimed' older than the lease (longer than any handler runs): update it to now() and FIRST
 *           -- (its owner crashed), else IN_PROGRESS
 * complete: update processed_message set state = 'done', done_at = now() where message_id = ?
 *           -- best in the same transaction as the handler's own writes: then "done" and the effect commit together
 * release:  delete from processed_message where message_id = ? and state = 'claimed'
 * cleanup:  delete where done_at < now() - interval '7 days', from a scheduled job
 * }</pre>
 *
 * <p>Implementations must be safe to call from many threads.
 */
public interface Deduplicator {

    /** What {@link #claim(String)} found. */
    enum Claim {
        /** Not seen before (or released): the caller now owns it and must complete or release it. */
        FIRST,
        /** Processed already: ack it, do not call the handler. */
        DONE,
        /** Another handler is processing it right now: wait for it (see {@link #awaitSettled}), or try later. */
        IN_PROGRESS
    }

    /** Claims {@code messageId} for processing. */
    Claim claim(String messageId);

    /** Marks a claimed message as processed. */
    void complete(String messageId);

    /** Gives up a claim: the handler failed, and a later delivery must be processed. */
    void release(String messageId);

    /**
     * Waits up to {@code timeout} for another handler's claim on {@code messageId} to be completed or released; true
     * when it was. The default returns false at once: the consumer then returns the message to the queue.
     */
    default boolean awaitSettled(String messageId, Duration timeout) throws InterruptedException {
        return false;
    }

    /**
     * A bounded in-memory deduplicator: at most {@code maxEntries} ids (the oldest are forgotten first), each
     * remembered for at most {@code maxAge}.
     */
    static Deduplicator inMemory(int maxEntries, Duration maxAge) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, was " + maxEntries);
        }
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isZero() || maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
        }
        return new InMemoryDeduplicator(maxEntries, maxAge);
    }

    /** 100,000 ids for at most an hour. */
    static Deduplicator inMemory() {
        return inMemory(100_000, Duration.ofHours(1));
    }
}
