package io.github.microkit.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Breaks a good rendering in one place and checks it: the negative tests start from an overlay that
 * passes every rule (OverlaysPassTest), so the violation they expect can only come from their change.
 */
final class Broken {
    private static final Map<String, RenderedOverlay> RENDERED = new ConcurrentHashMap<>();

    private Broken() {
    }

    static RenderedOverlay rendered(String overlay) {
        return RENDERED.computeIfAbsent(overlay, o -> Manifests.checker().render(Path.of(o)));
    }

    /** Checks {@code overlay} with the object {@code kind/namePrefix} changed by {@code change}. */
    static Report check(String overlay, String kind, String namePrefix, Consumer<ObjectNode> change) {
        RenderedOverlay good = rendered(overlay);
        ManifestObject target = find(good, kind, namePrefix);
        List<ManifestObject> objects = new ArrayList<>();
        for (ManifestObject object : good.objects()) {
            if (object == target) {
                ObjectNode body = object.body();
                change.accept(body);
                objects.add(object.withBody(body));
            } else {
                objects.add(object);
            }
        }
        return Manifests.checker().check(good.withObjects(objects));
    }

    /** Checks {@code overlay} without the object {@code kind/namePrefix}. */
    static Report checkWithout(String overlay, String kind, String namePrefix) {
        RenderedOverlay good = rendered(overlay);
        ManifestObject target = find(good, kind, namePrefix);
        return Manifests.checker().check(good.withObjects(good.objects().stream().filter(o -> o != target).toList()));
    }

    /** Generated ConfigMaps and Secrets carry a content hash: match them by the name before it. */
    static ManifestObject find(RenderedOverlay overlay, String kind, String namePrefix) {
        return overlay.objects().stream()
                .filter(o -> o.kind().equals(kind) && (o.name().equals(namePrefix) || o.name().startsWith(namePrefix + "-")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + namePrefix + " in " + overlay.name()));
    }

    /** The report rejects with a violation of {@code rule} naming {@code source} and {@code object}. */
    static void assertRejected(Report report, String rule, String source, String object, String messagePart) {
        assertThat(report.passed()).as(report.format()).isFalse();
        assertThat(report.violations()).as(report.format()).anySatisfy(v -> {
            assertThat(v.rule()).isEqualTo(rule);
            assertThat(v.source()).isEqualTo(source);
            assertThat(v.object()).startsWith(object);
            assertThat(v.message()).contains(messagePart);
            assertThat(v.toString()).contains(source).contains(object).contains("[" + rule + "]");
        });
    }

    static ObjectNode at(JsonNode root, String pointer) {
        JsonNode node = root.at(pointer);
        if (!node.isObject()) {
            throw new AssertionError(pointer + " is not an object in " + root);
        }
        return (ObjectNode) node;
    }

    static ArrayNode array(JsonNode root, String pointer) {
        JsonNode node = root.at(pointer);
        if (!node.isArray()) {
            throw new AssertionError(pointer + " is not an array in " + root);
        }
        return (ArrayNode) node;
    }

    /** The first container of a workload's pod template. */
    static ObjectNode container(ObjectNode workload) {
        return at(workload, "/spec/template/spec/containers/0");
    }

    /** A container's env entry {@code name}, added if absent. */
    static ObjectNode env(ObjectNode container, String name) {
        ArrayNode env = container.has("env") ? (ArrayNode) container.get("env") : container.putArray("env");
        for (JsonNode entry : env) {
            if (entry.path("name").asText().equals(name)) {
                return (ObjectNode) entry;
            }
        }
        return env.addObject().put("name", name);
    }
}
