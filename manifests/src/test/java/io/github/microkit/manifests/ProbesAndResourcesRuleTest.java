package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;
import static io.github.microkit.manifests.Broken.container;

import org.junit.jupiter.api.Test;

class ProbesAndResourcesRuleTest {

    @Test
    void aLongRunningContainerWithoutReadinessProbeIsRejected() {
        Report report = Broken.check("overlays/dev", "StatefulSet", "rabbitmq", s -> container(s).remove("readinessProbe"));

        assertRejected(report, ProbesRule.ID, "overlays/dev/rabbitmq/statefulset.yaml", "StatefulSet/rabbitmq",
                "containers[rabbitmq]: readinessProbe is missing");
    }

    @Test
    void aServiceWithoutStartupProbeIsRejected() {
        Report report = Broken.check("overlays/prod", "Deployment", "producer", d -> container(d).remove("startupProbe"));

        assertRejected(report, ProbesRule.ID, "base/producer/deployment.yaml", "Deployment/producer",
                "startupProbe is missing");
    }

    @Test
    void aLivenessProbeOnTheReadinessEndpointIsRejected() {
        // a broker outage would then restart every pod instead of taking them out of the Service
        Report report = Broken.check("overlays/dev", "Deployment", "consumer",
                d -> at(container(d), "/livenessProbe/httpGet").put("path", "/health/ready"));

        assertRejected(report, ProbesRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                "livenessProbe must be an httpGet on /health/live, found /health/ready");
    }

    @Test
    void aReadinessProbeOnAnotherPortThanHttpPortIsRejected() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config",
                c -> at(c, "/data").put("HTTP_PORT", "9090"));

        assertRejected(report, ProbesRule.ID, "base/producer/deployment.yaml", "Deployment/producer",
                "readinessProbe probes port 8080 but the service listens on HTTP_PORT=9090");
    }

    @Test
    void aContainerWithoutMemoryLimitIsRejected() {
        Report report = Broken.check("overlays/dev", "Job", "vault-setup",
                j -> at(container(j), "/resources/limits").remove("memory"));

        assertRejected(report, ResourcesRule.ID, "overlays/dev/vault/setup-job.yaml", "Job/vault-setup",
                "containers[vault-setup]: resources.limits.memory is missing");
    }

    @Test
    void aContainerWithoutCpuRequestIsRejected() {
        Report report = Broken.check("overlays/prod", "Deployment", "consumer",
                d -> at(container(d), "/resources/requests").remove("cpu"));

        assertRejected(report, ResourcesRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                "resources.requests.cpu is missing");
    }

    @Test
    void aBrokerClusterWithoutResourcesIsRejected() {
        Report report = Broken.check("overlays/prod", "RabbitmqCluster", "rabbitmq", r -> at(r, "/spec").remove("resources"));

        assertRejected(report, ResourcesRule.ID, "overlays/prod/rabbitmq-cluster.yaml", "RabbitmqCluster/rabbitmq",
                "containers[rabbitmq]: resources.requests.memory is missing");
    }
}
