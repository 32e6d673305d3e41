package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;

import org.junit.jupiter.api.Test;

class MeshAndBrokerRuleTest {
    private static final String MESH = "overlays/prod-mesh";

    @Test
    void permissiveMutualTlsIsRejected() {
        Report report = Broken.check(MESH, "PeerAuthentication", "default", p -> at(p, "/spec/mtls").put("mode", "PERMISSIVE"));

        assertRejected(report, MeshRule.ID, "components/mesh/peer-authentication.yaml", "PeerAuthentication/default",
                "spec.mtls.mode must be STRICT, found PERMISSIVE");
    }

    @Test
    void aMeshThatTrustsAnotherIssuerThanTheServicesIsRejected() {
        Report report = Broken.check(MESH, "RequestAuthentication", "orders-jwt",
                r -> at(r, "/spec/jwtRules/0").put("issuer", "https://login.example.com/realms/other"));

        assertRejected(report, MeshRule.ID, "components/mesh/request-authentication.yaml", "RequestAuthentication/orders-jwt",
                "jwtRules issuer https://login.example.com/realms/other differs from the service's JWT_ISSUER");
    }

    @Test
    void aMeshThatSwallowsTheTokenIsRejected() {
        Report report = Broken.check(MESH, "RequestAuthentication", "orders-jwt",
                r -> at(r, "/spec/jwtRules/0").put("forwardOriginalToken", false));

        assertRejected(report, MeshRule.ID, "components/mesh/request-authentication.yaml", "RequestAuthentication/orders-jwt",
                "forwardOriginalToken: true");
    }

    @Test
    void aBusinessRouteOpenWithoutTokenIsRejected() {
        Report report = Broken.check(MESH, "AuthorizationPolicy", "producer",
                a -> at(a, "/spec/rules/0").remove("from"));

        assertRejected(report, MeshRule.ID, "components/mesh/authorization-policies.yaml", "AuthorizationPolicy/producer",
                "without requestPrincipals");
    }

    @Test
    void anUnknownIstioFieldIsRejected() {
        Report report = Broken.check(MESH, "AuthorizationPolicy", "consumer", a -> at(a, "/spec").put("actions", "ALLOW"));

        assertRejected(report, MeshRule.ID, "components/mesh/authorization-policies.yaml", "AuthorizationPolicy/consumer",
                "spec.actions is not a AuthorizationPolicy field");
    }

    @Test
    void aBrokerClusterThatCannotKeepAQuorumIsRejected() {
        Report report = Broken.check("overlays/prod", "RabbitmqCluster", "rabbitmq", r -> at(r, "/spec").put("replicas", 2));

        assertRejected(report, RabbitmqClusterRule.ID, "overlays/prod/rabbitmq-cluster.yaml", "RabbitmqCluster/rabbitmq",
                "spec.replicas must be odd and at least 3 for quorum queues, found 2");
    }

    @Test
    void aBrokerClusterWithAMisspelledFieldIsRejected() {
        Report report = Broken.check("overlays/prod", "RabbitmqCluster", "rabbitmq", r -> {
            at(r, "/spec").set("persistance", r.at("/spec/persistence"));
            at(r, "/spec").remove("persistence");
        });

        assertRejected(report, RabbitmqClusterRule.ID, "overlays/prod/rabbitmq-cluster.yaml", "RabbitmqCluster/rabbitmq",
                "spec.persistance is not a RabbitmqCluster field");
        assertRejected(report, RabbitmqClusterRule.ID, "overlays/prod/rabbitmq-cluster.yaml", "RabbitmqCluster/rabbitmq",
                "spec.persistence.storage must be set");
    }
}
