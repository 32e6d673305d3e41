package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryDeduplicatorTest {

    @Test
    void claimThenCompleteMakesLaterClaimsDone() {
        Deduplicator dedup = Deduplicator.inMemory(10, Duration.ofMinutes(1));
        assertThat(dedup.claim("m1")).isEqualTo(Deduplicator.Claim.FIRST);
        assertThat(dedup.claim("m1")).isEqualTo(Deduplicator.Claim.IN_PROGRESS);
        dedup.complete("m1");
        assertThat(dedup.claim("m1")).isEqualTo(Deduplicator.Claim.DONE);
    }

    @Test
    void aReleasedClaimCanBeProcessedAgain() {
        Deduplicator dedup = Deduplicator.inMemory(10, Duration.ofMinutes(1));
        assertThat(dedup.claim("m1")).isEqualTo(Deduplicator.Claim.FIRST);
        dedup.release("m1"); // the handler failed: its retry must run
        assertThat(dedup.claim("m1")).isEqualTo(Deduplicator.Claim.FIRST);
    }

    @Test
    void theOldestIdsAreForgottenBeyondTheSizeLimit() {
        Deduplicator dedup = Deduplicator.inMemory(3, Duration.ofMinutes(1));
        for (String id : new String[] {"a", "b", "c", "d"}) {
            dedup.claim(id);
            dedup.complete(id);
        }
        assertThat(((InMemoryDeduplicator) dedup).size()).isEqualTo(3);
        assertThat(dedup.claim("d")).isEqualTo(Deduplicator.Claim.DONE);
        assertThat(dedup.claim("a")).as("forgotten").isEqualTo(Deduplicator.Claim.FIRST);
    }

    @Test
    void idsOlderThanTheAgeLimitAreForgotten() {
        Deduplicator dedup = Deduplicator.inMemory(10, Duration.ofNanos(1));
        dedup.claim("a");
        dedup.complete("a");
        long claimedAt = System.nanoTime();
        while (System.nanoTime() == claimedAt) {
            Thread.onSpinWait(); // at least one nanosecond
        }
        assertThat(dedup.claim("a")).isEqualTo(Deduplicator.Claim.FIRST);
    }

    @Test
    void aDuplicateWaitsForTheHandlerHoldingItsClaim() throws Exception {
        Deduplicator dedup = Deduplicator.inMemory(10, Duration.ofMinutes(1));
        dedup.claim("m1");
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return dedup.awaitSettled("m1", Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        dedup.complete("m1");
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(dedup.awaitSettled("never-claimed", Duration.ZERO)).isTrue();
        dedup.claim("m2");
        assertThat(dedup.awaitSettled("m2", Duration.ofMillis(20))).as("still held").isFalse();
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> Deduplicator.inMemory(0, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Deduplicator.inMemory(10, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
