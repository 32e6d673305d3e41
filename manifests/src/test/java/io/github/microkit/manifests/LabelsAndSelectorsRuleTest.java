package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;

import org.junit.jupiter.api.Test;

class LabelsAndSelectorsRuleTest {

    @Test
    void anObjectWithoutNameLabelIsRejected() {
        Report report = Broken.check("overlays/dev", "Service", "vault",
                s -> at(s, "/metadata/labels").remove("app.kubernetes.io/name"));

        assertRejected(report, LabelsRule.ID, "overlays/dev/vault/service.yaml", "Service/vault",
                "metadata.labels.app.kubernetes.io/name is missing");
    }

    @Test
    void aPodTemplateWithoutComponentLabelIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "identity-provider",
                d -> at(d, "/spec/template/metadata/labels").remove("app.kubernetes.io/component"));

        assertRejected(report, LabelsRule.ID, "overlays/dev/identity-provider/deployment.yaml",
                "Deployment/identity-provider", "the pod template's label app.kubernetes.io/component is missing");
    }

    @Test
    void aWorkloadSelectorThatDoesNotMatchItsPodTemplateIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "producer",
                d -> at(d, "/spec/selector/matchLabels").put("app.kubernetes.io/name", "produce"));

        assertRejected(report, SelectorsRule.ID, "base/producer/deployment.yaml", "Deployment/producer",
                "does not match the pod template's labels");
    }

    @Test
    void aServiceSelectingNoPodIsRejected() {
        Report report = Broken.check("overlays/prod", "Service", "consumer",
                s -> at(s, "/spec/selector").put("app.kubernetes.io/name", "consumers"));

        assertRejected(report, SelectorsRule.ID, "base/consumer/service.yaml", "Service/consumer",
                "matches no pod template in the overlay");
    }

    @Test
    void aServiceTargetingAPortNameThePodsDoNotHaveIsRejected() {
        Report report = Broken.check("overlays/dev", "Service", "rabbitmq",
                s -> at(s, "/spec/ports/0").put("targetPort", "ampq"));

        assertRejected(report, SelectorsRule.ID, "overlays/dev/rabbitmq/service.yaml", "Service/rabbitmq",
                "targetPort ampq names no port of the selected pods");
    }

    @Test
    void aDisruptionBudgetSelectingNoPodIsRejected() {
        Report report = Broken.check("overlays/dev", "PodDisruptionBudget", "consumer",
                p -> at(p, "/spec/selector/matchLabels").put("app.kubernetes.io/component", "worker"));

        assertRejected(report, SelectorsRule.ID, "base/consumer/pdb.yaml", "PodDisruptionBudget/consumer",
                "spec.selector");
    }

    @Test
    void aNetworkPolicyPeerSelectingNoPodIsRejected() {
        // a typo here would silently cut the services off Vault
        Report report = Broken.check("overlays/dev", "NetworkPolicy", "services-to-vault",
                n -> at(n, "/spec/egress/0/to/0/podSelector/matchLabels").put("app.kubernetes.io/name", "vautl"));

        assertRejected(report, SelectorsRule.ID, "overlays/dev/network-policies.yaml", "NetworkPolicy/services-to-vault",
                "egress.to.podSelector");
    }

    @Test
    void anAutoscalerOfAMissingDeploymentIsRejected() {
        Report report = Broken.check("overlays/prod", "HorizontalPodAutoscaler", "consumer",
                h -> at(h, "/spec/scaleTargetRef").put("name", "consumers"));

        assertRejected(report, SelectorsRule.ID, "overlays/prod/consumer-hpa.yaml", "HorizontalPodAutoscaler/consumer",
                "scaleTargetRef Deployment/consumers is not in the overlay");
    }

    @Test
    void aPodRunningAsAMissingServiceAccountIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "vault",
                d -> at(d, "/spec/template/spec").put("serviceAccountName", "vault-server"));

        assertRejected(report, SelectorsRule.ID, "overlays/dev/vault/deployment.yaml", "Deployment/vault",
                "serviceAccountName vault-server is not in the overlay");
    }

    @Test
    void anIstioPolicySelectingNoPodIsRejected() {
        Report report = Broken.check("overlays/prod-mesh", "AuthorizationPolicy", "producer",
                a -> at(a, "/spec/selector/matchLabels").put("app.kubernetes.io/name", "orders-producer"));

        assertRejected(report, SelectorsRule.ID, "components/mesh/authorization-policies.yaml",
                "AuthorizationPolicy/producer", "matches no pod template");
    }
}
