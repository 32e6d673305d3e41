package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * Selectors select what they mean to: a workload's selector matches its own pod template; a
 * Service's, a PodDisruptionBudget's, a NetworkPolicy's (its own and those in its rules) and an
 * Istio policy's selector match at least one pod of the overlay; a Service's named target port exists
 * on the pods it selects; an HPA scales a workload that exists; a pod's service account exists.
 */
final class SelectorsRule implements Rule {
    static final String ID = "selectors";
    private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job");
    private static final Set<String> ISTIO_SELECTING = Set.of("AuthorizationPolicy", "RequestAuthentication",
            "PeerAuthentication");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (PodTemplate pod : context.pods) {
            if (WORKLOADS.contains(pod.owner().kind())) {
                JsonNode selector = pod.owner().node().path("spec").path("selector");
                boolean jobWithGenerated = pod.owner().kind().equals("Job") && selector.isMissingNode();
                if (!jobWithGenerated) {
                    if (LabelSelector.isEmpty(selector)) {
                        context.report(pod.owner(), ID, "spec.selector is empty");
                    } else if (!LabelSelector.matches(selector, pod.labels())) {
                        context.report(pod.owner(), ID, "spec.selector " + selector.path("matchLabels")
                                + " does not match the pod template's labels " + pod.labels());
                    }
                }
            }
            String account = pod.spec().path("serviceAccountName").asText("");
            if (!pod.operatorManaged() && !account.isEmpty() && !account.equals("default")
                    && Env.find(context.overlay, "ServiceAccount", account, pod.namespace()).isEmpty()) {
                context.report(pod.owner(), ID, "serviceAccountName " + account + " is not in the overlay");
            }
        }
        for (ManifestObject object : context.overlay.objects()) {
            JsonNode spec = object.node().path("spec");
            String ns = object.namespace().orElse("");
            switch (object.kind()) {
                case "Service" -> checkService(context, object, ns);
                case "PodDisruptionBudget" -> expectPods(context, object, ns, spec.path("selector"), "spec.selector");
                case "NetworkPolicy" -> checkNetworkPolicy(context, object, ns);
                case "HorizontalPodAutoscaler" -> {
                    String kind = spec.path("scaleTargetRef").path("kind").asText();
                    String name = spec.path("scaleTargetRef").path("name").asText();
                    if (Env.find(context.overlay, kind, name, ns).isEmpty()) {
                        context.report(object, ID, "scaleTargetRef " + kind + "/" + name + " is not in the overlay");
                    }
                }
                default -> {
                    if (ISTIO_SELECTING.contains(object.kind()) && object.group().endsWith("istio.io")
                            && spec.has("selector")) {
                        expectPods(context, object, ns, spec.path("selector"), "spec.selector");
                    }
                }
            }
        }
    }

    private static void checkService(Context context, ManifestObject service, String ns) {
        JsonNode selector = service.node().path("spec").path("selector");
        if (selector.isMissingNode() || selector.isEmpty()) {
            return; // a Service without selector has its endpoints managed by hand
        }
        List<PodTemplate> pods = context.pods.stream()
                .filter(p -> p.namespace().equals(ns) && LabelSelector.mapMatches(selector, p.labels())).toList();
        if (pods.isEmpty()) {
            context.report(service, ID, "spec.selector " + selector + " matches no pod template in the overlay");
            return;
        }
        for (JsonNode port : service.node().path("spec").path("ports")) {
            JsonNode target = port.path("targetPort");
            if (target.isTextual() && !target.asText().matches("\\d+")) {
                boolean found = pods.stream().flatMap(p -> p.containers().stream())
                        .anyMatch(c -> ProbesRule.portNumber(c.node(), target).isPresent());
                if (!found) {
                    context.report(service, ID, "targetPort " + target.asText() + " names no port of the selected pods");
                }
            }
        }
    }

    private static void checkNetworkPolicy(Context context, ManifestObject policy, String ns) {
        JsonNode spec = policy.node().path("spec");
        if (!LabelSelector.isEmpty(spec.path("podSelector"))) {
            expectPods(context, policy, ns, spec.path("podSelector"), "spec.podSelector");
        }
        for (String direction : List.of("ingress", "egress")) {
            String peers = direction.equals("ingress") ? "from" : "to";
            for (JsonNode rule : spec.path(direction)) {
                for (JsonNode peer : rule.path(peers)) {
                    // Only a pod selector within this namespace can be checked against the overlay.
                    if (peer.has("podSelector") && !peer.has("namespaceSelector")
                            && !LabelSelector.isEmpty(peer.path("podSelector"))) {
                        expectPods(context, policy, ns, peer.path("podSelector"),
                                direction + "." + peers + ".podSelector");
                    }
                }
            }
        }
    }

    private static void expectPods(Context context, ManifestObject object, String ns, JsonNode selector, String field) {
        boolean any = context.pods.stream()
                .anyMatch(p -> p.namespace().equals(ns) && LabelSelector.matches(selector, p.labels()));
        if (!any) {
            context.report(object, ID, field + " " + selector + " matches no pod template in the overlay");
        }
    }
}
