package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every ConfigMap and Secret a pod refers to (volumes, projected sources, envFrom, env valueFrom) is
 * in the overlay, unless the reference is optional. kustomize renames generated ConfigMaps and Secrets
 * (content hash) and rewrites the references it knows; a misspelt one is left alone and the pod would
 * hang in CreateContainerConfigError or ContainerCreating.
 */
final class ReferencesRule implements Rule {
    static final String ID = "references";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (PodTemplate pod : context.pods) {
            if (pod.operatorManaged()) {
                continue; // the operator's own volumes refer to objects it creates
            }
            for (JsonNode volume : pod.spec().path("volumes")) {
                String where = "volume " + volume.path("name").asText() + ": ";
                expect(context, pod, "ConfigMap", volume.path("configMap"), "name", where);
                expect(context, pod, "Secret", volume.path("secret"), "secretName", where);
                for (JsonNode source : volume.path("projected").path("sources")) {
                    expect(context, pod, "ConfigMap", source.path("configMap"), "name", where);
                    expect(context, pod, "Secret", source.path("secret"), "name", where);
                }
            }
            for (PodTemplate.Container c : pod.containers()) {
                String where = c.label() + ": ";
                for (JsonNode from : c.node().path("envFrom")) {
                    expect(context, pod, "ConfigMap", from.path("configMapRef"), "name", where);
                    expect(context, pod, "Secret", from.path("secretRef"), "name", where);
                }
                for (JsonNode variable : c.node().path("env")) {
                    String env = where + "env " + variable.path("name").asText() + ": ";
                    expect(context, pod, "ConfigMap", variable.path("valueFrom").path("configMapKeyRef"), "name", env);
                    expect(context, pod, "Secret", variable.path("valueFrom").path("secretKeyRef"), "name", env);
                }
            }
        }
    }

    private static void expect(Context context, PodTemplate pod, String kind, JsonNode ref, String nameField,
                               String where) {
        if (ref.isMissingNode() || ref.path("optional").asBoolean(false)) {
            return;
        }
        String name = ref.path(nameField).asText("");
        var object = Env.find(context.overlay, kind, name, pod.namespace());
        if (object.isEmpty()) {
            context.report(pod.owner(), ID, where + kind + " " + name + " is not in the overlay");
            return;
        }
        String key = ref.path("key").asText("");
        JsonNode data = object.get().node();
        if (!key.isEmpty() && !data.path("data").has(key) && !data.path("stringData").has(key)) {
            context.report(pod.owner(), ID, where + kind + " " + name + " has no key " + key);
        }
        for (JsonNode item : ref.path("items")) {
            String itemKey = item.path("key").asText();
            if (!data.path("data").has(itemKey) && !data.path("stringData").has(itemKey)) {
                context.report(pod.owner(), ID, where + kind + " " + name + " has no key " + itemKey);
            }
        }
    }
}
