package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;
import static io.github.microkit.manifests.Broken.container;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SchemaRuleTest {
    private static final String PRODUCER = "base/producer/deployment.yaml";

    @Test
    void aFieldTheApiDoesNotDefineIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "producer",
                d -> container(d).put("imagePullPolicyy", "Always"));

        assertRejected(report, SchemaRule.ID, PRODUCER, "Deployment/producer", "imagePullPolicyy");
    }

    @Test
    void aFieldAtTheWrongLevelIsRejected() {
        // replicas belong to the Deployment's spec, not to the pod's
        Report report = Broken.check("overlays/dev", "Deployment", "producer",
                d -> at(d, "/spec/template/spec").put("replicas", 2));

        assertRejected(report, SchemaRule.ID, PRODUCER, "Deployment/producer",
                "The field `replicas` in the JSON string is not defined in the `V1PodSpec` properties");
    }

    @Test
    void aListWrittenAsAMapIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "producer", d -> {
            var container = container(d);
            at(d, "/spec/template/spec").putObject("containers").set("producer", container);
        });

        assertRejected(report, SchemaRule.ID, PRODUCER, "Deployment/producer",
                "Expected the field `containers` to be an array in the JSON string");
    }

    @Test
    void aMissingRequiredFieldIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "producer", d -> container(d).remove("name"));

        assertRejected(report, SchemaRule.ID, PRODUCER, "Deployment/producer", "required field `name`");
    }

    @Test
    void aBuiltInKindUnderAnApiVersionWithoutModelIsRejected() {
        Report report = Broken.check("overlays/dev", "PodDisruptionBudget", "producer",
                p -> p.put("apiVersion", "policy/v1beta1"));

        assertRejected(report, SchemaRule.ID, "base/producer/pdb.yaml", "PodDisruptionBudget/producer",
                "policy/v1beta1 PodDisruptionBudget is a built-in API the checker has no model for");
    }

    @Test
    void customResourcesAreListedAsSchemaUncheckedNotPassedSilently() {
        Report report = Manifests.checker().check(Broken.rendered("overlays/prod-mesh"));

        assertThat(report.schemaUnchecked()).containsExactlyInAnyOrder(
                "overlays/prod/rabbitmq-cluster.yaml: RabbitmqCluster/rabbitmq (rabbitmq.com/v1beta1)",
                "components/mesh/peer-authentication.yaml: PeerAuthentication/default (security.istio.io/v1)",
                "components/mesh/request-authentication.yaml: RequestAuthentication/orders-jwt (security.istio.io/v1)",
                "components/mesh/authorization-policies.yaml: AuthorizationPolicy/producer (security.istio.io/v1)",
                "components/mesh/authorization-policies.yaml: AuthorizationPolicy/consumer (security.istio.io/v1)");
        assertThat(report.format()).contains("schema-unchecked");
    }
}
