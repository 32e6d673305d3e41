package io.github.microkit.messaging;

import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Detects lost, duplicated and reordered messages from the {@code x-publisher-id} and {@code x-publisher-seq}
 * headers every microkit publisher stamps: per publisher it keeps the ranges of sequence numbers seen, so a
 * number missing between two seen ones is a gap, a number seen twice a duplicate, and a number that fills a gap
 * arrived out of order.
 *
 * <p>A gap is not yet a loss: with several consumers, retries and redeliveries, messages overtake each other. It
 * counts as persistent, and makes {@link #healthCheck()} report {@code DEGRADED}, once it stays open longer than
 * the grace period. A gap is also what a publish that failed (and was republished under a new number) leaves
 * behind: compare with the publisher's confirmed numbers before calling it a loss.
 *
 * <p>It sees only what reaches it, so give it every message of a publisher: one detector per queue that gets all
 * of the publisher's messages, shared by every subscription of that queue in this process. Two processes sharing
 * a queue each see about half of the numbers and report gaps for the other half.
 *
 * <p>Memory is bounded: at most {@value #MAX_PUBLISHERS} publishers (the longest idle forgotten first) and
 * {@value #MAX_RANGES} ranges each (the oldest gaps are then counted as missing for good). Thread-safe.
 */
public final class LossDetector {

    static final int MAX_PUBLISHERS = 10_000;
    static final int MAX_RANGES = 10_000;
    private static final int REPORTED_RANGES = 100;

    private final long graceNanos;
    private final Map<String, Tracker> trackers = new ConcurrentHashMap<>();

    private LossDetector(Duration gapGrace) {
        this.graceNanos = gapGrace.toNanos();
    }

    /** A detector whose gaps count as persistent after 60 s. */
    public static LossDetector create() {
        return create(Duration.ofSeconds(60));
    }

    public static LossDetector create(Duration gapGrace) {
        Objects.requireNonNull(gapGrace, "gapGrace");
        if (gapGrace.isNegative()) {
            throw new IllegalArgumentException("gapGrace must not be negative, was " + gapGrace);
        }
        return new LossDetector(gapGrace);
    }

    /** Records that sequence number {@code seq} of {@code publisherId} arrived. */
    public void record(String publisherId, long seq) {
        Objects.requireNonNull(publisherId, "publisherId");
        Tracker tracker = trackers.get(publisherId);
        if (tracker == null) {
            if (trackers.size() >= MAX_PUBLISHERS) {
                forgetLongestIdle();
            }
            tracker = trackers.computeIfAbsent(publisherId, id -> new Tracker());
        }
        tracker.record(seq, System.nanoTime());
    }

    /** The numbers so far, over every publisher and per publisher. */
    public Report report() {
        long now = System.nanoTime();
        Map<String, PublisherReport> byPublisher = new LinkedHashMap<>();
        long seen = 0;
        long missing = 0;
        long duplicates = 0;
        long reordered = 0;
        long persistent = 0;
        long oldestGap = -1;
        for (Map.Entry<String, Tracker> e : new TreeMap<>(trackers).entrySet()) {
            PublisherReport r = e.getValue().report(now, graceNanos);
            byPublisher.put(e.getKey(), r);
            seen += r.seen();
            missing += r.missing();
            duplicates += r.duplicates();
            reordered += r.reordered();
            persistent += r.persistentMissing();
            if (r.oldestGap().isPresent()) {
                oldestGap = Math.max(oldestGap, r.oldestGap().get().toNanos());
            }
        }
        return new Report(seen, missing, persistent, duplicates, reordered,
                oldestGap < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(oldestGap)), byPublisher);
    }

    /** UP without persistent gaps, DEGRADED with (a possible loss: the service still works). */
    public HealthCheck healthCheck() {
        return () -> {
            Report r = report();
            Map<String, Object> facts = Map.of("publishers", r.byPublisher().size(), "missing", r.missing(),
                    "persistentMissing", r.persistentMissing(), "duplicates", r.duplicates(), "reordered",
                    r.reordered());
            if (r.persistentMissing() > 0) {
                return Health.degraded(r.persistentMissing() + " message(s) missing from publisher sequences for"
                        + " longer than " + Duration.ofNanos(graceNanos)).withFacts(facts);
            }
            return Health.up("no persistent gaps in publisher sequences").withFacts(facts);
        };
    }

    private void forgetLongestIdle() {
        String idlest = null;
        long oldest = Long.MAX_VALUE;
        for (Map.Entry<String, Tracker> e : trackers.entrySet()) {
            long last = e.getValue().lastSeen;
            if (last < oldest) {
                oldest = last;
                idlest = e.getKey();
            }
        }
        if (idlest != null) {
            trackers.remove(idlest);
        }
    }

    @Override
    public String toString() {
        return "LossDetector[publishers=" + trackers.size() + "]";
    }

    /**
     * @param seen              distinct sequence numbers seen
     * @param missing           numbers inside the seen span that have not arrived (yet)
     * @param persistentMissing those of them in gaps older than the grace period
     * @param duplicates        numbers that arrived more than once (redeliveries, republished duplicates)
     * @param reordered         numbers that arrived after a higher one
     * @param oldestGap         how long the oldest open gap has been open
     * @param byPublisher       the same per publisher id
     */
    public record Report(long seen, long missing, long persistentMissing, long duplicates, long reordered,
            Optional<Duration> oldestGap, Map<String, PublisherReport> byPublisher) {
        public Report {
            byPublisher = Collections.unmodifiableMap(new LinkedHashMap<>(byPublisher));
        }
    }

    /**
     * @param first         lowest number seen
     * @param last          highest number seen
     * @param missingRanges the first open gaps, lowest first (at most 100)
     */
    public record PublisherReport(long first, long last, long seen, long missing, long persistentMissing,
            long duplicates, long reordered, Optional<Duration> oldestGap, List<Range> missingRanges) {
        public PublisherReport {
            missingRanges = List.copyOf(missingRanges);
        }

        /** True when {@code seq} lies in an open gap. */
        public boolean isMissing(long seq) {
            for (Range r : missingRanges) {
                if (seq >= r.from() && seq <= r.to()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Sequence numbers {@code from} to {@code to}, both included. */
    public record Range(long from, long to) {
        public long size() {
            return to - from + 1;
        }
    }

    /** The ranges of one publisher's numbers seen so far. */
    private static final class Tracker {
        /** Seen ranges by their first number; the gap below each (but the first) opened at its {@code since}. */
        private final TreeMap<Long, Span> spans = new TreeMap<>();
        private Span highest;
        private long distinct;
        private long duplicates;
        private long reordered;
        private long abandoned;
        volatile long lastSeen;

        synchronized void record(long seq, long now) {
            lastSeen = now;
            Span top = highest;
            if (top != null && seq == top.to + 1) {
                // the usual case: the next number in order
                top.to = seq;
                distinct++;
                return;
            }
            if (top == null) {
                highest = put(new Span(seq, now));
                distinct++;
                return;
            }
            if (seq > top.to + 1) {
                highest = put(new Span(seq, now)); // a gap opens below it now
                distinct++;
                trim();
                return;
            }
            Map.Entry<Long, Span> floor = spans.floorEntry(seq);
            if (floor != null && seq <= floor.getValue().to) {
                duplicates++;
                return;
            }
            reordered++;
            distinct++;
            Span below = floor == null ? null : floor.getValue();
            Map.Entry<Long, Span> ceiling = spans.higherEntry(seq);
            Span above = ceiling == null ? null : ceiling.getValue();
            if (below != null && seq == below.to + 1) {
                below.to = seq;
            } else {
                // inside a gap the gap below keeps its age; below the lowest the old lowest gets a gap from now
                below = put(new Span(seq, above == null || below == null ? now : above.since));
                if (floor == null && above != null) {
                    above.since = now;
                }
            }
            if (above != null && below.to + 1 == above.from) {
                spans.remove(above.from);
                below.to = above.to;
                if (above == highest) {
                    highest = below;
                }
            }
        }

        private Span put(Span span) {
            spans.put(span.from, span);
            return span;
        }

        private void trim() {
            while (spans.size() > MAX_RANGES) {
                Span lowest = spans.pollFirstEntry().getValue();
                Span next = spans.firstEntry().getValue();
                abandoned += next.from - lowest.to - 1;
            }
        }

        synchronized PublisherReport report(long now, long graceNanos) {
            if (spans.isEmpty()) {
                return new PublisherReport(0, 0, 0, 0, 0, duplicates, reordered, Optional.empty(), List.of());
            }
            long first = spans.firstKey();
            long last = highest.to;
            long missing = abandoned;
            long persistent = abandoned;
            long oldest = -1;
            List<Range> ranges = new ArrayList<>();
            Span previous = null;
            for (Span s : spans.values()) {
                if (previous != null) {
                    long gap = s.from - previous.to - 1;
                    long age = now - s.since;
                    missing += gap;
                    if (age > graceNanos) {
                        persistent += gap;
                    }
                    oldest = Math.max(oldest, age);
                    if (ranges.size() < REPORTED_RANGES) {
                        ranges.add(new Range(previous.to + 1, s.from - 1));
                    }
                }
                previous = s;
            }
            return new PublisherReport(first, last, distinct, missing, persistent, duplicates, reordered,
                    oldest < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(oldest)), ranges);
        }
    }

    private static final class Span {
        final long from;
        long to;
        long since;

        Span(long seq, long since) {
            this.from = seq;
            this.to = seq;
            this.since = since;
        }
    }
}
