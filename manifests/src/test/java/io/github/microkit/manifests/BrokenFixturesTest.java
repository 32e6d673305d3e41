package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Broken manifests on disk (src/test/resources/broken), rendered by kustomize like the real overlays:
 * the messages name the very file a person would open to fix it.
 */
class BrokenFixturesTest {
    private static final String BROKEN = "src/test/resources/broken/";

    @Test
    void aFieldOneLevelTooHighInAFileIsRejectedNamingThatFile() {
        Report report = Manifests.checker().check(Path.of(BROKEN + "unknown-field"));

        assertRejected(report, SchemaRule.ID, BROKEN + "unknown-field/job.yaml", "Job/migrate",
                "The field `restartPolicy` in the JSON string is not defined in the `V1JobSpec` properties");
    }

    @Test
    void aPasswordInAConfigMapFileIsRejectedNamingThatFile() {
        Report report = Manifests.checker().check(Path.of(BROKEN + "secret-in-configmap"));

        assertRejected(report, ConfigMapSecretsRule.ID, BROKEN + "secret-in-configmap/configmap.yaml",
                "ConfigMap/reporting", "data.REPORT_DB_PASSWORD holds a secret value inline");
    }

    @Test
    void aFloatingImageTagInAFileIsRejectedNamingThatFile() {
        Report report = Manifests.checker().check(Path.of(BROKEN + "floating-image"));

        assertRejected(report, ImagePinnedRule.ID, BROKEN + "floating-image/job.yaml", "Job/migrate",
                "containers[migrate]: image postgres:16 has the floating tag 16");
    }
}
