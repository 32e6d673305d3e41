package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;
import static io.github.microkit.manifests.Broken.container;
import static io.github.microkit.manifests.Broken.env;

import org.junit.jupiter.api.Test;

class ReferencesRuleTest {
    private static final String JOB = "overlays/dev/vault/setup-job.yaml";

    @Test
    void aVolumeOfAConfigMapThatIsNotThereIsRejected() {
        Report report = Broken.check("overlays/dev", "Job", "vault-setup",
                j -> at(j, "/spec/template/spec/volumes/0/configMap").put("name", "vault-setup-scripts"));

        assertRejected(report, ReferencesRule.ID, JOB, "Job/vault-setup",
                "volume script: ConfigMap vault-setup-scripts is not in the overlay");
    }

    @Test
    void aSecretKeyThatIsNotThereIsRejected() {
        Report report = Broken.check("overlays/dev", "StatefulSet", "rabbitmq",
                s -> at(env(container(s), "RABBITMQ_DEFAULT_PASS"), "/valueFrom/secretKeyRef").put("key", "passwd"));

        assertRejected(report, ReferencesRule.ID, "overlays/dev/rabbitmq/statefulset.yaml", "StatefulSet/rabbitmq",
                "containers[rabbitmq]: env RABBITMQ_DEFAULT_PASS: Secret rabbitmq-admin-");
        assertRejected(report, ReferencesRule.ID, "overlays/dev/rabbitmq/statefulset.yaml", "StatefulSet/rabbitmq",
                "has no key passwd");
    }

    @Test
    void aMountedSecretItemThatIsNotThereIsRejected() {
        Report report = Broken.check("overlays/dev", "Job", "vault-setup",
                j -> at(j, "/spec/template/spec/volumes/1/secret/items/0").put("key", "pass"));

        assertRejected(report, ReferencesRule.ID, JOB, "Job/vault-setup", "volume rabbitmq-admin: Secret rabbitmq-admin-");
    }
}
