package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.ApiError;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code Idempotency-Key} handling: the first request with a key reserves an order id and a message id; a
 * retry with the same key and the same body gets the same two ids, and the producer publishes the same
 * message again if the first attempt was never confirmed (a timed-out confirm may still have landed: the
 * consumer's deduplication on {@code message_id} makes it count once). The same key with another body is a
 * client mistake (422).
 *
 * <p>In memory, bounded, each key kept for the retention (at least 24 hours, DESIGN.md). A service with
 * several replicas needs a shared store (a database table with the key as primary key) instead: the
 * reservation logic stays the same.
 */
final class IdempotencyKeys {

    /** 1 to 128 visible ASCII characters (DESIGN.md). */
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");

    private final Duration retention;
    private final int maxKeys;
    private final Clock clock;
    private final Map<String, Reservation> byKey = new LinkedHashMap<>(); // insertion order = age; guarded by this

    IdempotencyKeys(Duration retention, int maxKeys, Clock clock) {
        this.retention = Objects.requireNonNull(retention, "retention");
        this.maxKeys = maxKeys;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** One order's ids and event; a request publishes it unless it is already {@linkplain #confirmed() confirmed}. */
    static final class Reservation {
        private final String fingerprint;
        private final OrderPlaced event;
        private final String messageId;
        private final Instant createdAt;
        private boolean confirmed; // guarded by this: requests with the same key take turns on the reservation

        Reservation(String fingerprint, OrderPlaced event, String messageId, Instant createdAt) {
            this.fingerprint = fingerprint;
            this.event = event;
            this.messageId = messageId;
            this.createdAt = createdAt;
        }

        OrderPlaced event() {
            return event;
        }

        String orderId() {
            return event.orderId();
        }

        String messageId() {
            return messageId;
        }

        synchronized boolean confirmed() {
            return confirmed;
        }

        synchronized void markConfirmed() {
            confirmed = true;
        }
    }

    /** The key of the request, checked; empty when the request has none. */
    static Optional<String> validKey(String header) {
        if (header == null) {
            return Optional.empty();
        }
        if (!KEY.matcher(header).matches()) {
            throw ApiError.badRequest("Idempotency-Key must be 1 to 128 visible ASCII characters.");
        }
        return Optional.of(header);
    }

    /** A reservation for an order sent without a key: used once. */
    static Reservation single(OrderPlaced event) {
        return new Reservation("", event, UUID.randomUUID().toString(), Instant.EPOCH);
    }

    /**
     * The reservation of {@code key}: the existing one when the body is the same, a new one (event made by
     * {@code newEvent}) on first use.
     *
     * @throws ApiError 422 when the key was used with another body; 503 when the store is full of live keys
     */
    synchronized Reservation reserve(String key, String fingerprint, Supplier<OrderPlaced> newEvent) {
        Instant now = clock.instant();
        expire(now);
        Reservation existing = byKey.get(key);
        if (existing != null) {
            if (!existing.fingerprint.equals(fingerprint)) {
                throw ApiError.idempotencyKeyReused();
            }
            return existing;
        }
        if (byKey.size() >= maxKeys) {
            // dropping a live key would break the promise to a client that may still retry: refuse instead
            throw ApiError.unavailable("Too many recent orders to track; retry later.", Duration.ofSeconds(5));
        }
        Reservation created = new Reservation(fingerprint, newEvent.get(), UUID.randomUUID().toString(), now);
        byKey.put(key, created);
        return created;
    }

    synchronized int size() {
        return byKey.size();
    }

    private void expire(Instant now) {
        Instant oldestKept = now.minus(retention);
        for (Iterator<Reservation> it = byKey.values().iterator(); it.hasNext(); ) {
            if (it.next().createdAt.isAfter(oldestKept)) {
                break; // the rest are younger
            }
            it.remove();
        }
    }
}
