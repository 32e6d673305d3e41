package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RenewalScheduleTest {

    private final VaultSettings settings = VaultSettings.builder(URI.create("http://127.0.0.1:8200"),
            VaultAuth.token(Secret.of("t", "x"))).build();
    private final VaultSession session = new VaultSession(settings, new VaultTransport(settings));

    @Test
    void renewalIsDueAtAboutTwoThirdsOfTheTtlMovedEarlierByUpToTheJitter() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Duration ttl = Duration.ofHours(1);
        Set<Instant> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            Instant at = session.nextAction(now, ttl);
            // 2/3 of an hour is 40 min; 10% jitter moves it up to 6 min earlier, never later
            assertThat(at).isBetween(now.plus(Duration.ofMinutes(34)), now.plus(Duration.ofMinutes(40)));
            seen.add(at);
        }
        assertThat(seen).as("instances spread out rather than renewing in step").hasSizeGreaterThan(100);
    }
}
