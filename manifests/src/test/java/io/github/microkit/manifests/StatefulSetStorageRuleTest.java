package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;

import org.junit.jupiter.api.Test;

/** A StatefulSet's data lives on a persistent volume that a container mounts. */
class StatefulSetStorageRuleTest {
    private static final String POSTGRES = "overlays/dev/postgres/statefulset.yaml";

    @Test
    void aStatefulSetWithoutVolumeClaimsIsRejected() {
        Report report = Broken.check("overlays/dev", "StatefulSet", "postgres", s -> at(s, "/spec").remove("volumeClaimTemplates"));

        assertRejected(report, StatefulSetStorageRule.ID, POSTGRES, "StatefulSet/postgres", "has no volumeClaimTemplates");
    }

    @Test
    void aVolumeClaimNoContainerMountsIsRejected() {
        Report report = Broken.check("overlays/dev", "StatefulSet", "postgres",
                s -> at(s, "/spec/volumeClaimTemplates/0/metadata").put("name", "pgdata"));

        assertRejected(report, StatefulSetStorageRule.ID, POSTGRES, "StatefulSet/postgres",
                "volumeClaimTemplate pgdata is mounted by no container");
    }

    @Test
    void aVolumeClaimWithoutAStorageRequestIsRejected() {
        Report report = Broken.check("overlays/dev", "StatefulSet", "postgres",
                s -> at(s, "/spec/volumeClaimTemplates/0/spec/resources/requests").remove("storage"));

        assertRejected(report, StatefulSetStorageRule.ID, POSTGRES, "StatefulSet/postgres",
                "volumeClaimTemplate data requests no storage");
    }

    @Test
    void aGoverningServiceThatIsNotHeadlessIsRejected() {
        Report report = Broken.check("overlays/dev", "Service", "postgres", s -> at(s, "/spec").remove("clusterIP"));

        assertRejected(report, StatefulSetStorageRule.ID, POSTGRES, "StatefulSet/postgres",
                "its governing Service postgres is not headless");
    }

    @Test
    void aMissingGoverningServiceIsRejected() {
        Report report = Broken.checkWithout("overlays/dev", "Service", "rabbitmq");

        assertRejected(report, StatefulSetStorageRule.ID, "overlays/dev/rabbitmq/statefulset.yaml", "StatefulSet/rabbitmq",
                "its governing Service rabbitmq is not in the overlay");
    }
}
