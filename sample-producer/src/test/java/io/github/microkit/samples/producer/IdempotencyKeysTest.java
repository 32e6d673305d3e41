package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.ApiError;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdempotencyKeysTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final AtomicInteger events = new AtomicInteger();

    private OrderPlaced newEvent() {
        return new OrderPlaced("order-" + events.incrementAndGet(), "c", List.of(), clock.instant().toString());
    }

    @Test
    void sameKeyAndSameBodyGetTheSameOrderAndMessageId() {
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ofHours(24), 10, clock);

        IdempotencyKeys.Reservation first = keys.reserve("client k1", "body-a", this::newEvent);
        IdempotencyKeys.Reservation retry = keys.reserve("client k1", "body-a", this::newEvent);

        assertThat(retry).isSameAs(first);
        assertThat(retry.orderId()).isEqualTo(first.orderId());
        assertThat(retry.messageId()).isEqualTo(first.messageId());
        assertThat(events).hasValue(1);
    }

    @Test
    void sameKeyWithAnotherBodyIs422() {
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ofHours(24), 10, clock);
        keys.reserve("client k1", "body-a", this::newEvent);

        assertThatThrownBy(() -> keys.reserve("client k1", "body-b", this::newEvent))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(422));
    }

    @Test
    void keysAreKeptForTheRetentionAndForgottenAfter() {
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ofHours(24), 10, clock);
        IdempotencyKeys.Reservation first = keys.reserve("client k1", "body-a", this::newEvent);

        clock.advance(Duration.ofHours(23).plusMinutes(59));
        assertThat(keys.reserve("client k1", "body-a", this::newEvent)).isSameAs(first);

        clock.advance(Duration.ofMinutes(2));
        assertThat(keys.reserve("client k1", "body-a", this::newEvent).orderId()).isNotEqualTo(first.orderId());
    }

    @Test
    void fullStoreRefusesNewKeysRatherThanForgetLiveOnes() {
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ofHours(24), 2, clock);
        IdempotencyKeys.Reservation first = keys.reserve("client k1", "a", this::newEvent);
        keys.reserve("client k2", "a", this::newEvent);

        assertThatThrownBy(() -> keys.reserve("client k3", "a", this::newEvent))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.headers()).containsKey("Retry-After");
                });
        assertThat(keys.reserve("client k1", "a", this::newEvent)).isSameAs(first);
    }

    @Test
    void keyMustBeOneTo128VisibleAsciiCharacters() {
        assertThat(IdempotencyKeys.validKey(null)).isEmpty();
        assertThat(IdempotencyKeys.validKey("k".repeat(128))).contains("k".repeat(128));
        for (String bad : new String[] {"", "k".repeat(129), "with space", "tab\t", "é"}) {
            assertThatThrownBy(() -> IdempotencyKeys.validKey(bad))
                    .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(400));
        }
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
