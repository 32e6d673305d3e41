package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A pod as a workload object describes it: its labels, its spec, and whether it runs for good
 * (Deployment, StatefulSet…) or to completion (Job). A RabbitmqCluster describes its pods through the
 * operator: image and resources at the top, the rest in {@code spec.override}; the operator sets the
 * probes and labels itself ({@code operatorManaged}).
 */
record PodTemplate(ManifestObject owner, JsonNode labels, JsonNode spec, boolean longRunning, boolean operatorManaged) {

    static final String RABBITMQ_CLUSTER = "RabbitmqCluster";

    static List<PodTemplate> of(RenderedOverlay overlay) {
        List<PodTemplate> templates = new ArrayList<>();
        for (ManifestObject object : overlay.objects()) {
            of(object).ifPresent(templates::add);
        }
        return templates;
    }

    static Optional<PodTemplate> of(ManifestObject object) {
        JsonNode body = object.node();
        return switch (object.kind()) {
            case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet" -> Optional.of(new PodTemplate(object,
                    body.path("spec").path("template").path("metadata").path("labels"),
                    body.path("spec").path("template").path("spec"), true, false));
            case "Job" -> Optional.of(new PodTemplate(object,
                    body.path("spec").path("template").path("metadata").path("labels"),
                    body.path("spec").path("template").path("spec"), false, false));
            case "CronJob" -> {
                JsonNode template = body.path("spec").path("jobTemplate").path("spec").path("template");
                yield Optional.of(new PodTemplate(object, template.path("metadata").path("labels"),
                        template.path("spec"), false, false));
            }
            case "Pod" -> Optional.of(new PodTemplate(object, body.path("metadata").path("labels"),
                    body.path("spec"), true, false));
            case RABBITMQ_CLUSTER -> object.group().equals("rabbitmq.com")
                    ? Optional.of(rabbitmqCluster(object)) : Optional.empty();
            default -> Optional.empty();
        };
    }

    private static PodTemplate rabbitmqCluster(ManifestObject object) {
        JsonNode body = object.node();
        JsonNode override = body.path("spec").path("override").path("statefulSet").path("spec")
                .path("template").path("spec");
        ObjectNode spec = override.isObject() ? ((ObjectNode) override).deepCopy() : JsonNodeFactory.instance.objectNode();
        ArrayNode containers = spec.has("containers") && spec.get("containers").isArray()
                ? (ArrayNode) spec.get("containers") : spec.putArray("containers");
        ObjectNode rabbitmq = null;
        for (JsonNode container : containers) {
            if (container.path("name").asText().equals("rabbitmq") && container.isObject()) {
                rabbitmq = (ObjectNode) container;
            }
        }
        if (rabbitmq == null) {
            rabbitmq = containers.addObject().put("name", "rabbitmq");
        }
        // What the operator puts into its container from the top of the spec.
        if (body.path("spec").has("image")) {
            rabbitmq.set("image", body.path("spec").path("image"));
        } else {
            rabbitmq.remove("image");
        }
        if (body.path("spec").has("resources")) {
            rabbitmq.set("resources", body.path("spec").path("resources"));
        }
        // The labels the Cluster Operator gives the pods it creates.
        ObjectNode labels = JsonNodeFactory.instance.objectNode();
        labels.put("app.kubernetes.io/name", object.name());
        labels.put("app.kubernetes.io/component", "rabbitmq");
        labels.put("app.kubernetes.io/part-of", "rabbitmq");
        return new PodTemplate(object, labels, spec, true, true);
    }

    /** Every container and init container, each with a readable name for messages. */
    List<Container> containers() {
        List<Container> all = new ArrayList<>();
        for (String field : List.of("initContainers", "containers")) {
            for (JsonNode container : spec.path(field)) {
                all.add(new Container(container, field + "[" + container.path("name").asText("?") + "]"));
            }
        }
        return all;
    }

    Optional<Container> container(String name) {
        return containers().stream().filter(c -> c.node().path("name").asText().equals(name)).findFirst();
    }

    String namespace() {
        return owner.namespace().orElse("");
    }

    record Container(JsonNode node, String label) {
    }
}
