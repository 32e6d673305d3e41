package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;
import static io.github.microkit.manifests.Broken.container;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImagePinnedRuleTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "hashicorp/vault:latest                      | uses latest",
            "hashicorp/vault                             | has no tag (which means latest)",
            "registry.example.com:5000/hashicorp/vault   | has no tag (which means latest)",
            "hashicorp/vault:1.21                        | has the floating tag 1.21",
            "hashicorp/vault:1                           | has the floating tag 1",
            "hashicorp/vault@sha256:deadbeef             | has a malformed digest"})
    void anImageThatIsNotPinnedIsRejected(String image, String message) {
        Report report = Broken.check("overlays/dev", "Deployment", "vault", d -> container(d).put("image", image));

        assertRejected(report, ImagePinnedRule.ID, "overlays/dev/vault/deployment.yaml", "Deployment/vault",
                "containers[vault]: image " + image + " " + message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"eclipse-temurin:17.0.15_6-jre-noble", "rabbitmq:4.1.4-management", "nicolaka/netshoot:v0.13.0",
            "registry.example.com:5000/team/app:2.3.4", "postgres:17.6", "docker.io/library/postgres:17.6-bookworm",
            "rabbitmq@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
    void aVersionTagOrADigestIsPinned(String image) {
        assertThat(ImagePinnedRule.problem(image)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void theBrokerClusterImageIsPinnedToo() {
        Report report = Broken.check("overlays/prod", "RabbitmqCluster", "rabbitmq",
                r -> at(r, "/spec").put("image", "rabbitmq:4-management"));

        assertRejected(report, ImagePinnedRule.ID, "overlays/prod/rabbitmq-cluster.yaml", "RabbitmqCluster/rabbitmq",
                "has the floating tag 4-management");
    }

    @org.junit.jupiter.api.Test
    void postgresIsPinnedByMajorAndMinorAndFloatsOnTheMajorAlone() {
        Report report = Broken.check("overlays/dev", "StatefulSet", "postgres", s -> container(s).put("image", "postgres:17"));

        assertRejected(report, ImagePinnedRule.ID, "overlays/dev/postgres/statefulset.yaml", "StatefulSet/postgres",
                "containers[postgres]: image postgres:17 has the floating tag 17: pin a full version (major.minor)");
        assertThat(ImagePinnedRule.problem("team/postgres-tools:17.6")).isPresent();
    }
}
