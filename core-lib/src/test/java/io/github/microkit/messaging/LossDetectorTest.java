package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microkit.health.HealthStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LossDetectorTest {

    @Test
    void inOrderSequenceHasNoGapsDuplicatesOrReordering() {
        LossDetector detector = LossDetector.create();
        for (long seq = 1; seq <= 1000; seq++) {
            detector.record("p1", seq);
        }
        LossDetector.Report report = detector.report();
        assertThat(report.seen()).isEqualTo(1000);
        assertThat(report.missing()).isZero();
        assertThat(report.duplicates()).isZero();
        assertThat(report.reordered()).isZero();
        assertThat(report.byPublisher().get("p1").last()).isEqualTo(1000);
    }

    @Test
    void missingNumbersAreGapsUntilTheyArriveLateAsReordered() {
        LossDetector detector = LossDetector.create();
        for (long seq : new long[] {1, 2, 5, 6, 9}) {
            detector.record("p1", seq);
        }
        LossDetector.PublisherReport before = detector.report().byPublisher().get("p1");
        assertThat(before.missing()).isEqualTo(4);
        assertThat(before.missingRanges()).containsExactly(new LossDetector.Range(3, 4), new LossDetector.Range(7, 8));
        assertThat(before.isMissing(3)).isTrue();
        assertThat(before.isMissing(5)).isFalse();

        detector.record("p1", 4);
        detector.record("p1", 3);
        detector.record("p1", 7);
        LossDetector.PublisherReport after = detector.report().byPublisher().get("p1");
        assertThat(after.missingRanges()).containsExactly(new LossDetector.Range(8, 8));
        assertThat(after.reordered()).isEqualTo(3);
        assertThat(after.seen()).isEqualTo(8);
    }

    @Test
    void aNumberSeenTwiceIsADuplicateAndPublishersAreTrackedApart() {
        LossDetector detector = LossDetector.create();
        detector.record("p1", 1);
        detector.record("p1", 2);
        detector.record("p1", 1);
        detector.record("p2", 1);
        detector.record("p2", 3);
        detector.record("p2", 3);
        LossDetector.Report report = detector.report();
        assertThat(report.duplicates()).isEqualTo(2);
        assertThat(report.byPublisher().get("p1").missing()).isZero();
        assertThat(report.byPublisher().get("p2").missing()).isEqualTo(1);
        assertThat(report.missing()).isEqualTo(1);
    }

    @Test
    void numbersBelowTheFirstSeenOpenNoFalseGaps() {
        LossDetector detector = LossDetector.create();
        detector.record("p1", 3); // a consumer started while 1 and 2 were still on their way
        detector.record("p1", 1);
        detector.record("p1", 2);
        LossDetector.PublisherReport r = detector.report().byPublisher().get("p1");
        assertThat(r.first()).isEqualTo(1);
        assertThat(r.missing()).isZero();
        assertThat(r.seen()).isEqualTo(3);
    }

    @Test
    void healthIsDegradedOnlyForGapsOlderThanTheGracePeriod() {
        LossDetector patient = LossDetector.create(Duration.ofHours(1));
        LossDetector strict = LossDetector.create(Duration.ZERO);
        for (LossDetector d : List.of(patient, strict)) {
            d.record("p1", 1);
            d.record("p1", 3);
        }
        assertThat(patient.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
        assertThat(patient.healthCheck().check().facts()).containsEntry("missing", 1L);
        assertThat(strict.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(strict.report().persistentMissing()).isEqualTo(1);
    }
}
