package io.github.microkit.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * "Deny by default, then allow exactly the paths the flow needs": the dev overlay's NetworkPolicies,
 * evaluated as Kubernetes does (a pod selected by a policy of a direction allows only what some rule of
 * those policies allows; a connection needs the source's egress and the target's ingress), give exactly
 * the expected pod-to-pod paths, and from outside the namespace only the three front doors.
 */
class NetworkPathsTest {
    private static final String OUTSIDE = "outside";

    @Test
    void theDevPoliciesAllowExactlyTheFlowsPaths() {
        RenderedOverlay dev = Broken.rendered("overlays/dev");
        List<PodTemplate> pods = PodTemplate.of(dev);
        List<ManifestObject> policies = dev.objects().stream().filter(o -> o.kind().equals("NetworkPolicy")).toList();

        Set<String> allowed = new TreeSet<>();
        for (PodTemplate target : pods) {
            for (PodTemplate.Container container : target.containers()) {
                for (JsonNode port : container.node().path("ports")) {
                    int number = port.path("containerPort").asInt();
                    String name = port.path("name").asText("");
                    if (allows(policies, target, "ingress", null, number, name)) {
                        allowed.add(OUTSIDE + " -> " + name(target) + ":" + number);
                    }
                    for (PodTemplate source : pods) {
                        if (source != target && allows(policies, source, "egress", target, number, name)
                                && allows(policies, target, "ingress", source, number, name)) {
                            allowed.add(name(source) + " -> " + name(target) + ":" + number);
                        }
                    }
                }
            }
        }

        assertThat(allowed).containsExactlyInAnyOrder(
                // clients: orders in, orders read, tokens
                "outside -> producer:8080",
                "outside -> consumer:8081",
                "outside -> identity-provider:8090",
                // the services: broker, Vault, JWKS
                "producer -> rabbitmq:5672",
                "consumer -> rabbitmq:5672",
                "producer -> vault:8200",
                "consumer -> vault:8200",
                "producer -> identity-provider:8090",
                "consumer -> identity-provider:8090",
                // each service's own database
                "producer -> postgres:5432",
                "consumer -> postgres:5432",
                // Vault's RabbitMQ engine makes the services' users; the setup Job configures Vault
                "vault -> rabbitmq:15672",
                "vault-setup -> vault:8200");
    }

    private static String name(PodTemplate pod) {
        return pod.labels().path("app.kubernetes.io/name").asText();
    }

    /**
     * Whether {@code pod}'s policies of {@code direction} let the connection through. The peer is the
     * other pod, or null for a client outside the namespace (which only a rule with no peers, or an
     * ipBlock, admits).
     */
    private static boolean allows(List<ManifestObject> policies, PodTemplate pod, String direction, PodTemplate peer,
                                  int port, String portName) {
        String type = direction.equals("ingress") ? "Ingress" : "Egress";
        List<JsonNode> selecting = policies.stream().map(ManifestObject::node)
                .filter(p -> LabelSelector.matches(p.path("spec").path("podSelector"), pod.labels()))
                .filter(p -> contains(p.path("spec").path("policyTypes"), type))
                .toList();
        if (selecting.isEmpty()) {
            return true;
        }
        // Egress is evaluated towards the target pod's port; ingress towards this pod's own port.
        for (JsonNode policy : selecting) {
            for (JsonNode rule : policy.path("spec").path(direction)) {
                if (portMatches(rule.path("ports"), port, portName) && peerMatches(rule, direction, peer)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean peerMatches(JsonNode rule, String direction, PodTemplate peer) {
        JsonNode peers = rule.path(direction.equals("ingress") ? "from" : "to");
        if (peers.isEmpty()) {
            return true;
        }
        for (JsonNode p : peers) {
            if (p.has("ipBlock")) {
                // Only 0.0.0.0/0 is used in dev; it covers pod addresses and outside clients alike.
                if (p.path("ipBlock").path("cidr").asText().equals("0.0.0.0/0")) {
                    return true;
                }
            } else if (peer != null && p.has("podSelector") && !p.has("namespaceSelector")
                    && LabelSelector.matches(p.path("podSelector"), peer.labels())) {
                return true;
            }
            // A namespaceSelector names another namespace (kube-system's DNS): never a pod of this overlay.
        }
        return false;
    }

    private static boolean portMatches(JsonNode ports, int port, String name) {
        if (ports.isEmpty()) {
            return true;
        }
        for (JsonNode p : ports) {
            JsonNode value = p.path("port");
            if (value.isMissingNode()) {
                return true;
            }
            if (value.isInt() && (value.asInt() == port
                    || (p.has("endPort") && port >= value.asInt() && port <= p.path("endPort").asInt()))) {
                return true;
            }
            if (value.isTextual() && value.asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode v : array) {
            if (v.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
