package io.github.microkit.manifests;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The objects of one overlay as kustomize renders them, each with the file it came from. */
public final class RenderedOverlay {
    static final String ORIGIN_ANNOTATION = "config.kubernetes.io/origin";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Path manifestsRoot;
    private final Path directory;
    private final List<ManifestObject> objects;

    private RenderedOverlay(Path manifestsRoot, Path directory, List<ManifestObject> objects) {
        this.manifestsRoot = manifestsRoot;
        this.directory = directory;
        this.objects = List.copyOf(objects);
    }

    /** Renders {@code overlay} (a directory under {@code manifestsRoot}) and reads every object. */
    public static RenderedOverlay render(Kustomize kustomize, Path manifestsRoot, Path overlay) {
        Objects.requireNonNull(kustomize, "kustomize");
        Path root = manifestsRoot.toAbsolutePath().normalize();
        Path dir = root.resolve(Objects.requireNonNull(overlay, "overlay")).normalize();
        return parse(kustomize.render(dir), root, dir);
    }

    /**
     * Reads a rendered YAML stream of {@code overlay}. Each object's source comes from kustomize's
     * origin annotation (the overlays turn on {@code buildMetadata: [originAnnotations]}); an object
     * without one is attributed to the overlay's kustomization.yaml.
     */
    public static RenderedOverlay parse(String yaml, Path manifestsRoot, Path overlay) {
        Objects.requireNonNull(yaml, "yaml");
        Path root = manifestsRoot.toAbsolutePath().normalize();
        Path dir = root.resolve(Objects.requireNonNull(overlay, "overlay")).normalize();
        List<ManifestObject> objects = new ArrayList<>();
        try (JsonParser parser = YAML.getFactory().createParser(yaml);
             MappingIterator<JsonNode> documents = YAML.readValues(parser, JsonNode.class)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document == null || document.isNull() || document.isMissingNode()) {
                    continue;
                }
                if (!document.isObject()) {
                    throw new ManifestException("a document of " + dir + " is not an object: " + document);
                }
                ObjectNode body = (ObjectNode) document;
                objects.add(ManifestObject.of(body, sourceOf(body, root, dir)));
            }
        } catch (IOException e) {
            throw new ManifestException("cannot read the rendered YAML of " + dir + ": " + e.getMessage(), e);
        }
        return new RenderedOverlay(root, dir, objects);
    }

    public List<ManifestObject> objects() {
        return objects;
    }

    /** The overlay directory relative to the manifests directory, e.g. {@code overlays/dev}. */
    public String name() {
        return relative(manifestsRoot, directory);
    }

    Path manifestsRoot() {
        return manifestsRoot;
    }

    Path directory() {
        return directory;
    }

    /** The same overlay with other objects: how the tests break a good rendering. */
    RenderedOverlay withObjects(List<ManifestObject> replacement) {
        return new RenderedOverlay(manifestsRoot, directory, replacement);
    }

    Optional<ManifestObject> find(String kind, String name) {
        return objects.stream().filter(o -> o.kind().equals(kind) && o.name().equals(name)).findFirst();
    }

    String kustomizationSource() {
        return relative(manifestsRoot, directory.resolve("kustomization.yaml"));
    }

    private static String sourceOf(ObjectNode body, Path root, Path dir) {
        String origin = body.path("metadata").path("annotations").path(ORIGIN_ANNOTATION).asText("");
        String path = null;
        String generatedBy = null;
        for (String line : origin.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("path:")) {
                path = trimmed.substring("path:".length()).strip();
            } else if (trimmed.startsWith("configuredIn:")) {
                path = trimmed.substring("configuredIn:".length()).strip();
            } else if (trimmed.startsWith("kind:") && line.startsWith("  ")) {
                generatedBy = trimmed.substring("kind:".length()).strip();
            }
        }
        String file = relative(root, dir.resolve(path == null ? "kustomization.yaml" : path).normalize());
        return generatedBy == null ? file : file + " (" + generatedBy + ")";
    }

    private static String relative(Path root, Path file) {
        Path normalized = file.toAbsolutePath().normalize();
        return normalized.startsWith(root) ? root.relativize(normalized).toString().replace('\\', '/')
                : normalized.toString();
    }
}
