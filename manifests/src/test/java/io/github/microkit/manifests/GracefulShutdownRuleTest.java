package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;
import static io.github.microkit.manifests.Broken.container;

import org.junit.jupiter.api.Test;

class GracefulShutdownRuleTest {
    private static final String PRODUCER = "base/producer/deployment.yaml";

    @Test
    void aGracePeriodShorterThanPreStopPlusShutdownTimeoutIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "producer",
                d -> at(d, "/spec/template/spec").put("terminationGracePeriodSeconds", 20));

        assertRejected(report, GracefulShutdownRule.ID, PRODUCER, "Deployment/producer",
                "terminationGracePeriodSeconds 20 < preStop 5 s + SHUTDOWN_TIMEOUT PT20S");
    }

    @Test
    void aLongerShutdownTimeoutThanTheGracePeriodAllowsIsRejected() {
        Report report = Broken.check("overlays/prod", "ConfigMap", "producer-config",
                c -> at(c, "/data").put("SHUTDOWN_TIMEOUT", "PT60S"));

        assertRejected(report, GracefulShutdownRule.ID, PRODUCER, "Deployment/producer",
                "terminationGracePeriodSeconds 30 < preStop 5 s + SHUTDOWN_TIMEOUT PT60S");
    }

    @Test
    void aGracePeriodFarBeyondTheDrainIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "producer",
                d -> at(d, "/spec/template/spec").put("terminationGracePeriodSeconds", 300));

        assertRejected(report, GracefulShutdownRule.ID, PRODUCER, "Deployment/producer", "by more than 15 s");
    }

    @Test
    void aServiceWithoutPreStopPauseIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "consumer", d -> container(d).remove("lifecycle"));

        assertRejected(report, GracefulShutdownRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                "lifecycle.preStop must pause");
    }

    @Test
    void aShutdownTimeoutThatIsNotAnIsoDurationIsRejected() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "consumer-config",
                c -> at(c, "/data").put("SHUTDOWN_TIMEOUT", "20s"));

        assertRejected(report, GracefulShutdownRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                "SHUTDOWN_TIMEOUT=20s is not an ISO-8601 duration");
    }
}
