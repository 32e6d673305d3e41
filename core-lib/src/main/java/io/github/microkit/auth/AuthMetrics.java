package io.github.microkit.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer metrics for token verification. Micrometer is an optional dependency of microkit: only this
 * class refers to it, and nothing else in {@code auth} loads it, so the library works without Micrometer
 * on the class path as long as this class is not used.
 *
 * <ul>
 *   <li>{@code microkit.auth.verifications} (timer): tags {@code outcome} ({@code accepted}/{@code rejected}),
 *       {@code reason} (a {@link TokenRejectedException.Reason} or {@code none}) and {@code cached}.</li>
 *   <li>{@code microkit.auth.rejections} (counter): tag {@code reason}.</li>
 * </ul>
 */
public final class AuthMetrics {

    private AuthMetrics() {
    }

    /** A listener recording into {@code registry}; pass it to {@link JwtVerifierConfig.Builder#listener}. */
    public static VerificationListener micrometer(MeterRegistry registry) {
        return new MicrometerListener(Objects.requireNonNull(registry, "registry"));
    }

    private static final class MicrometerListener implements VerificationListener {
        private final Timer acceptedVerified;
        private final Timer acceptedCached;
        private final Map<TokenRejectedException.Reason, Timer> rejectedTimers = new EnumMap<>(TokenRejectedException.Reason.class);
        private final Map<TokenRejectedException.Reason, Counter> rejections = new EnumMap<>(TokenRejectedException.Reason.class);

        MicrometerListener(MeterRegistry registry) {
            // Meters are registered once up front: a lookup per request would cost more than an ES256 cache hit.
            acceptedVerified = timer(registry, "accepted", "none", false);
            acceptedCached = timer(registry, "accepted", "none", true);
            for (TokenRejectedException.Reason reason : TokenRejectedException.Reason.values()) {
                rejectedTimers.put(reason, timer(registry, "rejected", reason.name(), false));
                rejections.put(reason, Counter.builder("microkit.auth.rejections")
                        .description("Rejected bearer tokens by reason")
                        .tag("reason", reason.name())
                        .register(registry));
            }
        }

        private static Timer timer(MeterRegistry registry, String outcome, String reason, boolean cached) {
            return Timer.builder("microkit.auth.verifications")
                    .description("Bearer token verifications")
                    .tag("outcome", outcome)
                    .tag("reason", reason)
                    .tag("cached", Boolean.toString(cached))
                    .register(registry);
        }

        @Override
        public void accepted(String issuer, boolean fromCache, long nanos) {
            (fromCache ? acceptedCached : acceptedVerified).record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void rejected(TokenRejectedException.Reason reason, long nanos) {
            rejectedTimers.get(reason).record(nanos, TimeUnit.NANOSECONDS);
            rejections.get(reason).increment();
        }
    }
}
