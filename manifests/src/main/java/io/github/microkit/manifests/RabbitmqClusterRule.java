package io.github.microkit.manifests;

import java.util.Set;

/**
 * RabbitmqCluster has no model in client-java-api, so its shape is checked here: only fields the
 * Cluster Operator's v1beta1 spec defines at the top, an odd number of at least three replicas (a
 * quorum queue needs a majority to accept a message, and keeps it with one node lost), and persistent
 * storage.
 */
final class RabbitmqClusterRule implements Rule {
    static final String ID = "rabbitmq-cluster";
    private static final Set<String> SPEC_FIELDS = Set.of("replicas", "image", "imagePullSecrets", "service",
            "persistence", "resources", "affinity", "tolerations", "rabbitmq", "tls", "override",
            "skipPostDeploySteps", "terminationGracePeriodSeconds", "secretBackend", "delayStartSeconds");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (ManifestObject object : context.overlay.objects()) {
            if (!object.kind().equals(PodTemplate.RABBITMQ_CLUSTER) || !object.group().equals("rabbitmq.com")) {
                continue;
            }
            if (!object.apiVersion().equals("rabbitmq.com/v1beta1")) {
                context.report(object, ID, "apiVersion must be rabbitmq.com/v1beta1, found " + object.apiVersion());
            }
            var spec = object.node().path("spec");
            spec.fieldNames().forEachRemaining(field -> {
                if (!SPEC_FIELDS.contains(field)) {
                    context.report(object, ID, "spec." + field + " is not a RabbitmqCluster field");
                }
            });
            int replicas = spec.path("replicas").asInt(1);
            if (replicas < 3 || replicas % 2 == 0) {
                context.report(object, ID, "spec.replicas must be odd and at least 3 for quorum queues, found " + replicas);
            }
            if (spec.path("persistence").path("storage").asText("").isBlank()) {
                context.report(object, ID, "spec.persistence.storage must be set: messages live on disk");
            }
        }
    }
}
