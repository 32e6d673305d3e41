package io.github.microkit.manifests;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Images are pinned: a tag that names a full version (major.minor.patch, e.g. 17.0.15_6-jre-noble,
 * 4.1.4-management, v0.13.0) or a sha256 digest. No tag (which means latest), {@code latest}, and
 * floating tags such as {@code 17-jre} or {@code bookworm} are refused: they change under a running
 * deployment and a rollback does not bring the old image back. PostgreSQL numbers its releases
 * major.minor since version 10 (17.6 is a full version, 17 floats), so its official image is pinned
 * with two parts.
 */
final class ImagePinnedRule implements Rule {
    static final String ID = "image-pinned";
    private static final Pattern VERSION_TAG = Pattern.compile("v?\\d+\\.\\d+\\.\\d+([._+-].*)?");
    private static final Pattern TWO_PART_VERSION_TAG = Pattern.compile("\\d+\\.\\d+([._+-].*)?");
    private static final Pattern TWO_PART_VERSIONED = Pattern.compile("((docker\\.io/)?library/)?postgres");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (PodTemplate pod : context.pods) {
            for (PodTemplate.Container c : pod.containers()) {
                String image = c.node().path("image").asText("");
                if (pod.operatorManaged() && image.isBlank() && !c.node().path("name").asText().equals("rabbitmq")) {
                    continue; // an operator's helper container: the operator sets its image
                }
                problem(image).ifPresent(p -> context.report(pod.owner(), ID, c.label() + ": image " + p));
            }
        }
    }

    static Optional<String> problem(String image) {
        if (image.isBlank()) {
            return Optional.of("is not set");
        }
        String reference = image;
        int at = image.indexOf('@');
        if (at >= 0) {
            String digest = image.substring(at + 1);
            return DIGEST.matcher(digest).matches() ? Optional.empty()
                    : Optional.of(image + " has a malformed digest (expected sha256:<64 hex digits>)");
        }
        int slash = reference.lastIndexOf('/');
        int colon = reference.lastIndexOf(':');
        if (colon <= slash) {
            return Optional.of(image + " has no tag (which means latest): pin a version tag");
        }
        String tag = reference.substring(colon + 1);
        if (tag.equals("latest")) {
            return Optional.of(image + " uses latest: pin a version tag");
        }
        if (TWO_PART_VERSIONED.matcher(reference.substring(0, colon)).matches()) {
            return TWO_PART_VERSION_TAG.matcher(tag).matches() ? Optional.empty()
                    : Optional.of(image + " has the floating tag " + tag + ": pin a full version (major.minor) or a digest");
        }
        if (!VERSION_TAG.matcher(tag).matches()) {
            return Optional.of(image + " has the floating tag " + tag
                    + ": pin a full version (major.minor.patch) or a digest");
        }
        return Optional.empty();
    }
}
