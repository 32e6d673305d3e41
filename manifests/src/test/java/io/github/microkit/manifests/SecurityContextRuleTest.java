package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;
import static io.github.microkit.manifests.Broken.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SecurityContextRuleTest {

    static Stream<Arguments> weakenings() {
        return Stream.of(
                weakening("running as root may be allowed", d -> {
                    at(d, "/spec/template/spec/securityContext").put("runAsNonRoot", false);
                    at(container(d), "/securityContext").remove("runAsNonRoot");
                }, "containers[consumer]: runAsNonRoot must be true"),
                weakening("runs as uid 0", d -> at(container(d), "/securityContext").put("runAsUser", 0),
                        "containers[consumer]: runAsUser must not be 0"),
                weakening("privilege escalation", d -> at(container(d), "/securityContext").put("allowPrivilegeEscalation", true),
                        "containers[consumer]: allowPrivilegeEscalation must be false"),
                weakening("privileged", d -> at(container(d), "/securityContext").put("privileged", true),
                        "containers[consumer]: privileged must not be true"),
                weakening("writable root filesystem", d -> at(container(d), "/securityContext").put("readOnlyRootFilesystem", false),
                        "containers[consumer]: readOnlyRootFilesystem must be true"),
                weakening("capabilities kept", d -> at(container(d), "/securityContext/capabilities").remove("drop"),
                        "containers[consumer]: capabilities.drop must contain ALL"),
                weakening("capability added", d -> at(container(d), "/securityContext/capabilities").putArray("add").add("NET_ADMIN"),
                        "containers[consumer]: capabilities.add must be empty"),
                weakening("no seccomp profile", d -> {
                    at(d, "/spec/template/spec/securityContext").remove("seccompProfile");
                    at(container(d), "/securityContext").remove("seccompProfile");
                }, "containers[consumer]: seccompProfile.type must be RuntimeDefault"),
                weakening("unconfined seccomp", d -> at(container(d), "/securityContext/seccompProfile").put("type", "Unconfined"),
                        "containers[consumer]: seccompProfile.type must be RuntimeDefault"),
                weakening("no writable /tmp", d -> container(d).remove("volumeMounts"),
                        "containers[consumer]: needs a writable /tmp"),
                weakening("/tmp on the host", d -> {
                    ObjectNode volume = at(d, "/spec/template/spec/volumes/0");
                    volume.remove("emptyDir");
                    volume.putObject("hostPath").put("path", "/tmp");
                }, "containers[consumer]: needs a writable /tmp"),
                weakening("host network", d -> at(d, "/spec/template/spec").put("hostNetwork", true),
                        "hostNetwork must not be true"),
                weakening("host port", d -> at(container(d), "/ports/0").put("hostPort", 8081),
                        "containers[consumer]: hostPort 8081 binds the node's network"),
                weakening("host path volume", d -> at(d, "/spec/template/spec").withArray("volumes").addObject()
                                .put("name", "docker").putObject("hostPath").put("path", "/var/run/docker.sock"),
                        "volume docker is a hostPath volume, which the restricted Pod Security Standard forbids"));
    }

    private static Arguments weakening(String name, Consumer<ObjectNode> change, String message) {
        return Arguments.of(name, change, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("weakenings")
    void aContainerThatIsNotRestrictedIsRejected(String name, Consumer<ObjectNode> change, String message) {
        Report report = Broken.check("overlays/dev", "Deployment", "consumer", change);

        assertRejected(report, SecurityContextRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                message);
    }

    @org.junit.jupiter.api.Test
    void theSetupJobIsHeldToTheSameRules() {
        Report report = Broken.check("overlays/dev", "Job", "vault-setup",
                j -> at(container(j), "/securityContext").put("readOnlyRootFilesystem", false));

        assertRejected(report, SecurityContextRule.ID, "overlays/dev/vault/setup-job.yaml", "Job/vault-setup",
                "containers[vault-setup]: readOnlyRootFilesystem must be true");
    }

    @org.junit.jupiter.api.Test
    void theOperatorManagedBrokerIsHeldToTheSameRules() {
        Report report = Broken.check("overlays/prod", "RabbitmqCluster", "rabbitmq",
                r -> at(r, "/spec/override/statefulSet/spec/template/spec/containers/0/securityContext")
                        .put("allowPrivilegeEscalation", true));

        assertRejected(report, SecurityContextRule.ID, "overlays/prod/rabbitmq-cluster.yaml", "RabbitmqCluster/rabbitmq",
                "containers[rabbitmq]: allowPrivilegeEscalation must be false");
    }
}
