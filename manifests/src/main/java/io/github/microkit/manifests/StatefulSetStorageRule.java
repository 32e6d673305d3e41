package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Set;

/**
 * A StatefulSet keeps its state on persistent volumes: it has volumeClaimTemplates, each claim asks
 * for storage and is mounted by a container (a claim nobody mounts leaves the data in the container's
 * layer, gone on the next restart), and its governing Service ({@code spec.serviceName}) is a headless
 * Service of the overlay, which gives each pod its stable DNS name.
 */
final class StatefulSetStorageRule implements Rule {
    static final String ID = "statefulset-storage";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (ManifestObject object : context.overlay.objects()) {
            if (!object.kind().equals("StatefulSet")) {
                continue;
            }
            JsonNode spec = object.node().path("spec");
            JsonNode claims = spec.path("volumeClaimTemplates");
            if (claims.isEmpty()) {
                context.report(object, ID, "has no volumeClaimTemplates: its data would live in the container "
                        + "and be lost when the pod is replaced");
            }
            Set<String> mounted = new HashSet<>();
            for (String field : new String[] {"initContainers", "containers"}) {
                for (JsonNode container : spec.path("template").path("spec").path(field)) {
                    container.path("volumeMounts").forEach(m -> mounted.add(m.path("name").asText()));
                }
            }
            for (JsonNode claim : claims) {
                String name = claim.path("metadata").path("name").asText("?");
                if (claim.path("spec").path("resources").path("requests").path("storage").asText("").isBlank()) {
                    context.report(object, ID, "volumeClaimTemplate " + name + " requests no storage");
                }
                if (!mounted.contains(name)) {
                    context.report(object, ID, "volumeClaimTemplate " + name + " is mounted by no container");
                }
            }
            String serviceName = spec.path("serviceName").asText("");
            if (serviceName.isEmpty()) {
                context.report(object, ID, "spec.serviceName is not set: name its headless governing Service");
                continue;
            }
            var service = Env.find(context.overlay, "Service", serviceName, object.namespace().orElse(""));
            if (service.isEmpty()) {
                context.report(object, ID, "its governing Service " + serviceName + " is not in the overlay");
            } else if (!service.get().node().path("spec").path("clusterIP").asText("").equals("None")) {
                context.report(object, ID, "its governing Service " + serviceName + " is not headless (clusterIP: None)");
            }
        }
    }
}
