package io.github.microkit.manifests;

import java.util.ArrayList;
import java.util.List;

/** One check over a rendered overlay. Each has an id that every message it produces carries. */
interface Rule {
    String id();

    void check(Context context);

    /** What a rule sees, and where it reports. */
    final class Context {
        final RenderedOverlay overlay;
        final ServiceVariables variables;
        final List<PodTemplate> pods;
        final List<Violation> violations = new ArrayList<>();
        final List<String> schemaUnchecked = new ArrayList<>();

        Context(RenderedOverlay overlay, ServiceVariables variables) {
            this.overlay = overlay;
            this.variables = variables;
            this.pods = PodTemplate.of(overlay);
        }

        void report(ManifestObject object, String rule, String message) {
            violations.add(object.violation(rule, message));
        }

        /** The pod templates of the services named in service-variables.txt, by service name. */
        List<PodTemplate> servicePods(String service) {
            return pods.stream()
                    .filter(p -> p.owner().kind().equals("Deployment")
                            && p.labels().path("app.kubernetes.io/name").asText().equals(service))
                    .toList();
        }
    }
}
