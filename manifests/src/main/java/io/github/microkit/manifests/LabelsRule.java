package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The recommended labels (app.kubernetes.io/*): every object says what it is and what it is part of;
 * every pod also says its component, which the NetworkPolicies select on.
 */
final class LabelsRule implements Rule {
    static final String ID = "labels";
    static final List<String> OBJECT_LABELS = List.of("app.kubernetes.io/name", "app.kubernetes.io/part-of");
    static final List<String> POD_LABELS = List.of("app.kubernetes.io/name", "app.kubernetes.io/part-of",
            "app.kubernetes.io/component");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (ManifestObject object : context.overlay.objects()) {
            JsonNode labels = object.node().path("metadata").path("labels");
            for (String label : OBJECT_LABELS) {
                if (labels.path(label).asText("").isBlank()) {
                    context.report(object, ID, "metadata.labels." + label + " is missing");
                }
            }
        }
        for (PodTemplate pod : context.pods) {
            if (pod.operatorManaged()) {
                continue; // the operator labels its pods
            }
            for (String label : POD_LABELS) {
                if (pod.labels().path(label).asText("").isBlank()) {
                    context.report(pod.owner(), ID, "the pod template's label " + label + " is missing");
                }
            }
        }
    }
}
