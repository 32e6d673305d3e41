package io.github.microkit.messaging;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** A deduplicator in a bounded map in claim order: the oldest entries are forgotten first. */
final class InMemoryDeduplicator implements Deduplicator {

    private static final byte CLAIMED = 1;
    private static final byte DONE = 2;

    private final int maxEntries;
    private final long maxAgeNanos;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(); // guarded by this

    InMemoryDeduplicator(int maxEntries, Duration maxAge) {
        this.maxEntries = maxEntries;
        this.maxAgeNanos = maxAge.toNanos();
    }

    @Override
    public synchronized Claim claim(String messageId) {
        Objects.requireNonNull(messageId, "messageId");
        long now = System.nanoTime();
        evict(now);
        Entry entry = entries.get(messageId);
        if (entry == null) {
            entries.put(messageId, new Entry(now));
            return Claim.FIRST;
        }
        return entry.state == DONE ? Claim.DONE : Claim.IN_PROGRESS;
    }

    @Override
    public synchronized void complete(String messageId) {
        Entry entry = entries.get(Objects.requireNonNull(messageId, "messageId"));
        if (entry == null) {
            // evicted while its handler ran (a very full map): remember it again
            entries.put(messageId, entry = new Entry(System.nanoTime()));
        }
        entry.state = DONE;
        notifyAll();
    }

    @Override
    public synchronized void release(String messageId) {
        Entry entry = entries.get(Objects.requireNonNull(messageId, "messageId"));
        if (entry != null && entry.state == CLAIMED) {
            entries.remove(messageId);
        }
        notifyAll();
    }

    @Override
    public synchronized boolean awaitSettled(String messageId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Entry entry = entries.get(messageId);
            if (entry == null || entry.state == DONE) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    synchronized int size() {
        return entries.size();
    }

    private void evict(long now) {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Entry oldest = it.next().getValue();
            if (entries.size() >= maxEntries || now - oldest.claimedAt > maxAgeNanos) {
                it.remove();
            } else {
                break;
            }
        }
    }

    @Override
    public String toString() {
        return "Deduplicator.inMemory[maxEntries=" + maxEntries + ", maxAge=" + Duration.ofNanos(maxAgeNanos) + "]";
    }

    private static final class Entry {
        final long claimedAt;
        byte state = CLAIMED;

        Entry(long claimedAt) {
            this.claimedAt = claimedAt;
        }
    }
}
