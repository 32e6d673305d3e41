package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.auth.TokenRejectedException.Reason;
import io.github.microkit.testing.tokens.TestIssuer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A repeated token skips the signature check, but never beyond its exp or the cache's maximum age. */
class VerifiedTokenCacheTest {

    @RegisterExtension
    static final TestIssuer ISSUER = TestIssuer.create();

    /** Records what the verifier reports, to see whether a verification came from the cache. */
    private static final class Recorder implements VerificationListener {
        final List<Boolean> fromCache = new ArrayList<>();
        final List<Reason> rejections = new ArrayList<>();

        @Override
        public synchronized void accepted(String issuer, boolean cached, long nanos) {
            fromCache.add(cached);
        }

        @Override
        public synchronized void rejected(Reason reason, long nanos) {
            rejections.add(reason);
        }

        synchronized Boolean last() {
            return fromCache.get(fromCache.size() - 1);
        }
    }

    private static JwtVerifier verifier(MutableClock clock, Recorder recorder, boolean cache) {
        JwtVerifierConfig config = JwtVerifierConfig.builder(ISSUER.issuer(), "orders-api")
                .clock(clock).listener(recorder).tokenCache(cache).tokenCacheMaxAge(Duration.ofMinutes(2)).build();
        return JwtVerifier.forKeys(config, ISSUER.jwksJson());
    }

    @Test
    void repeatedTokenIsServedFromTheCache() {
        Recorder recorder = new Recorder();
        try (JwtVerifier verifier = verifier(MutableClock.startingNow(), recorder, true)) {
            String token = ISSUER.token().audience("orders-api").sign();

            VerifiedToken first = verifier.verify(token);
            VerifiedToken second = verifier.verify(token);

            assertThat(recorder.fromCache).containsExactly(false, true);
            assertThat(second).isSameAs(first);
        }
    }

    @Test
    void entryNeverOutlivesTheTokensExpiry() {
        MutableClock clock = MutableClock.startingNow();
        Recorder recorder = new Recorder();
        try (JwtVerifier verifier = verifier(clock, recorder, true)) {
            String token = ISSUER.token().audience("orders-api").expiresIn(Duration.ofSeconds(90)).sign();
            verifier.verify(token);

            clock.advance(Duration.ofSeconds(91)); // past exp, within the 60 s skew: verified again, not cached
            verifier.verify(token);
            assertThat(recorder.last()).isFalse();

            clock.advance(Duration.ofSeconds(60)); // past exp + skew
            assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenRejectedException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED));
        }
    }

    @Test
    void entryNeverOutlivesTheMaximumAge() {
        MutableClock clock = MutableClock.startingNow();
        Recorder recorder = new Recorder();
        try (JwtVerifier verifier = verifier(clock, recorder, true)) {
            String token = ISSUER.token().audience("orders-api").expiresIn(Duration.ofHours(1)).sign();
            verifier.verify(token);

            clock.advance(Duration.ofSeconds(119));
            verifier.verify(token);
            assertThat(recorder.last()).isTrue();

            clock.advance(Duration.ofSeconds(2));
            verifier.verify(token);
            assertThat(recorder.last()).isFalse();
        }
    }

    @Test
    void notBeforeIsRecheckedOnEveryHit() {
        // A clock that goes backwards (an NTP step) must not let a cached token skip its nbf.
        MutableClock clock = MutableClock.startingNow();
        Recorder recorder = new Recorder();
        try (JwtVerifier verifier = verifier(clock, recorder, true)) {
            String token = ISSUER.token().audience("orders-api").notBefore(clock.instant()).sign();
            verifier.verify(token);

            clock.advance(Duration.ofSeconds(-61));

            assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenRejectedException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.NOT_YET_VALID));
        }
    }

    @Test
    void cacheCanBeSwitchedOff() {
        Recorder recorder = new Recorder();
        try (JwtVerifier verifier = verifier(MutableClock.startingNow(), recorder, false)) {
            String token = ISSUER.token().audience("orders-api").sign();
            for (int i = 0; i < 3; i++) {
                verifier.verify(token);
            }
            assertThat(recorder.fromCache).containsExactly(false, false, false);
        }
    }

    @Test
    void rejectedTokensAreNeverCached() {
        Recorder recorder = new Recorder();
        try (JwtVerifier verifier = verifier(MutableClock.startingNow(), recorder, true)) {
            String token = ISSUER.token().audience("billing-api").sign();
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(TokenRejectedException.class);
            }
            assertThat(recorder.rejections).containsExactly(Reason.WRONG_AUDIENCE, Reason.WRONG_AUDIENCE);
        }
    }

    @Test
    void cacheIsBounded() {
        TokenCache cache = new TokenCache(10, Duration.ofMinutes(2));
        long now = System.currentTimeMillis();
        try (JwtVerifier verifier = verifier(MutableClock.startingNow(), new Recorder(), false)) {
            for (int i = 0; i < 50; i++) {
                String token = ISSUER.token().audience("orders-api").claim("n", i).sign();
                cache.put(token, verifier.verify(token), now);
                assertThat(cache.size()).isLessThanOrEqualTo(10);
                assertThat(cache.get(token, now)).isNotNull();
            }
        }
    }
}
