package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A container's environment as the kubelet will build it from the rendered objects: envFrom
 * (ConfigMaps, Secrets) first, then env. A value is known for literals, ConfigMap keys, Secret keys
 * rendered with data, and {@code metadata.namespace}; other references are set but unknown here.
 */
final class Env {
    private Env() {
    }

    static Map<String, Optional<String>> of(RenderedOverlay overlay, PodTemplate pod, JsonNode container,
                                            List<String> problems) {
        Map<String, Optional<String>> env = new LinkedHashMap<>();
        String namespace = pod.namespace();
        for (JsonNode from : container.path("envFrom")) {
            String prefix = from.path("prefix").asText("");
            boolean optional;
            if (from.has("configMapRef")) {
                String name = from.path("configMapRef").path("name").asText();
                optional = from.path("configMapRef").path("optional").asBoolean(false);
                Optional<ManifestObject> configMap = find(overlay, "ConfigMap", name, namespace);
                if (configMap.isEmpty()) {
                    if (!optional) {
                        problems.add("envFrom names ConfigMap " + name + ", which is not in the rendered overlay");
                    }
                    continue;
                }
                configMap.get().node().path("data").properties()
                        .forEach(e -> env.put(prefix + e.getKey(), Optional.of(e.getValue().asText())));
            } else if (from.has("secretRef")) {
                String name = from.path("secretRef").path("name").asText();
                find(overlay, "Secret", name, namespace).ifPresent(secret -> {
                    secret.node().path("data").fieldNames().forEachRemaining(k -> env.put(prefix + k,
                            Optional.of(decode(secret.node().path("data").path(k).asText()))));
                    secret.node().path("stringData").properties().forEach(e -> env.put(prefix + e.getKey(),
                            Optional.of(e.getValue().asText())));
                });
            }
        }
        for (JsonNode variable : container.path("env")) {
            String name = variable.path("name").asText();
            if (variable.has("value")) {
                env.put(name, Optional.of(variable.path("value").asText()));
            } else if (variable.has("valueFrom")) {
                env.put(name, valueFrom(overlay, pod, variable.path("valueFrom"), namespace, name, problems));
            } else {
                env.put(name, Optional.of(""));
            }
        }
        return env;
    }

    private static Optional<String> valueFrom(RenderedOverlay overlay, PodTemplate pod, JsonNode from,
                                              String namespace, String variable, List<String> problems) {
        if (from.has("configMapKeyRef")) {
            JsonNode ref = from.path("configMapKeyRef");
            Optional<ManifestObject> configMap = find(overlay, "ConfigMap", ref.path("name").asText(), namespace);
            JsonNode value = configMap.map(c -> c.node().path("data").path(ref.path("key").asText()))
                    .orElse(MissingNode.getInstance());
            if (value.isMissingNode() && !ref.path("optional").asBoolean(false)) {
                problems.add(variable + " refers to ConfigMap key " + ref.path("name").asText() + "/"
                        + ref.path("key").asText() + ", which is not in the rendered overlay");
            }
            return value.isMissingNode() ? Optional.empty() : Optional.of(value.asText());
        }
        if (from.has("secretKeyRef")) {
            JsonNode ref = from.path("secretKeyRef");
            return find(overlay, "Secret", ref.path("name").asText(), namespace)
                    .map(s -> s.node().path("data").path(ref.path("key").asText()))
                    .filter(v -> !v.isMissingNode())
                    .map(v -> decode(v.asText()));
        }
        if (from.path("fieldRef").path("fieldPath").asText().equals("metadata.namespace")) {
            return pod.owner().namespace();
        }
        return Optional.empty();
    }

    /**
     * Where {@code name} gets its value, for messages: the ConfigMap or Secret it comes from (with that
     * object's file), or the container's own env in the workload's file. The last definition wins, as
     * in the kubelet.
     */
    static String origin(RenderedOverlay overlay, PodTemplate pod, JsonNode container, String name) {
        for (JsonNode variable : container.path("env")) {
            if (variable.path("name").asText().equals(name)) {
                return "set in the env of " + pod.owner().ref() + ", " + pod.owner().source();
            }
        }
        String found = "not set";
        for (JsonNode from : container.path("envFrom")) {
            String prefix = from.path("prefix").asText("");
            String kind = from.has("configMapRef") ? "ConfigMap" : "Secret";
            String ref = from.path(kind.equals("ConfigMap") ? "configMapRef" : "secretRef").path("name").asText();
            Optional<ManifestObject> object = find(overlay, kind, ref, pod.namespace());
            if (object.isPresent() && name.startsWith(prefix)
                    && (object.get().node().path("data").has(name.substring(prefix.length()))
                    || object.get().node().path("stringData").has(name.substring(prefix.length())))) {
                found = "set in " + object.get().ref() + ", " + object.get().source();
            }
        }
        return found;
    }

    static Optional<ManifestObject> find(RenderedOverlay overlay, String kind, String name, String namespace) {
        return overlay.objects().stream()
                .filter(o -> o.kind().equals(kind) && o.name().equals(name)
                        && o.namespace().orElse("").equals(namespace))
                .findFirst();
    }

    private static String decode(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
