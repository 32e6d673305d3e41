package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every namespace that runs pods has a default-deny NetworkPolicy: all pods, Ingress and Egress, no
 * rule. The other policies then open only the paths the flow needs.
 */
final class NetworkDefaultDenyRule implements Rule {
    static final String ID = "network-default-deny";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        Set<String> namespaces = new TreeSet<>();
        context.pods.forEach(p -> namespaces.add(p.namespace()));
        for (String namespace : namespaces) {
            boolean denied = context.overlay.objects().stream()
                    .filter(o -> o.kind().equals("NetworkPolicy") && o.namespace().orElse("").equals(namespace))
                    .anyMatch(o -> isDefaultDeny(o.node().path("spec")));
            if (!denied) {
                // Reported on the Namespace object where the overlay has one, else on a pod of it.
                ManifestObject where = context.overlay.objects().stream()
                        .filter(o -> o.kind().equals("Namespace") && o.name().equals(namespace)).findFirst()
                        .orElseGet(() -> context.pods.stream().filter(p -> p.namespace().equals(namespace))
                                .findFirst().orElseThrow().owner());
                context.report(where, ID, "namespace " + (namespace.isEmpty() ? "(none)" : namespace)
                        + " has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)");
            }
        }
    }

    private static boolean isDefaultDeny(JsonNode spec) {
        Set<String> types = new TreeSet<>();
        spec.path("policyTypes").forEach(t -> types.add(t.asText()));
        return LabelSelector.isEmpty(spec.path("podSelector")) && spec.path("podSelector").isObject()
                && types.contains("Ingress") && types.contains("Egress")
                && spec.path("ingress").isEmpty() && spec.path("egress").isEmpty();
    }
}
