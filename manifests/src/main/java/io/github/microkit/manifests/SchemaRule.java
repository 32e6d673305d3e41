package io.github.microkit.manifests;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1CronJob;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Ingress;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.io.IOException;
import java.util.Map;

/**
 * Built-in kinds against the Kubernetes API models that client-java-api generates from the API's
 * OpenAPI document: {@code validateJsonElement} rejects a field the model does not define (a typo, a
 * field at the wrong level) and a missing required one, recursively. Kinds from other API groups
 * (RabbitmqCluster, Istio) have no model there: they are listed as schema-unchecked and left to the
 * own rules; a built-in kind missing from the table below is a violation, so nothing built in goes
 * unchecked silently.
 */
final class SchemaRule implements Rule {
    static final String ID = "schema";

    private interface Validator {
        void validate(JsonElement json) throws IOException;
    }

    private static final Map<String, Validator> MODELS = Map.ofEntries(
            Map.entry("v1/Namespace", V1Namespace::validateJsonElement),
            Map.entry("v1/ServiceAccount", V1ServiceAccount::validateJsonElement),
            Map.entry("v1/Service", V1Service::validateJsonElement),
            Map.entry("v1/ConfigMap", V1ConfigMap::validateJsonElement),
            Map.entry("v1/Secret", V1Secret::validateJsonElement),
            Map.entry("v1/PersistentVolumeClaim", V1PersistentVolumeClaim::validateJsonElement),
            Map.entry("v1/Pod", V1Pod::validateJsonElement),
            Map.entry("apps/v1/Deployment", V1Deployment::validateJsonElement),
            Map.entry("apps/v1/StatefulSet", V1StatefulSet::validateJsonElement),
            Map.entry("apps/v1/DaemonSet", V1DaemonSet::validateJsonElement),
            Map.entry("batch/v1/Job", V1Job::validateJsonElement),
            Map.entry("batch/v1/CronJob", V1CronJob::validateJsonElement),
            Map.entry("policy/v1/PodDisruptionBudget", V1PodDisruptionBudget::validateJsonElement),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", V1NetworkPolicy::validateJsonElement),
            Map.entry("networking.k8s.io/v1/Ingress", V1Ingress::validateJsonElement),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", V2HorizontalPodAutoscaler::validateJsonElement),
            Map.entry("rbac.authorization.k8s.io/v1/Role", V1Role::validateJsonElement),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", V1RoleBinding::validateJsonElement),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", V1ClusterRole::validateJsonElement),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", V1ClusterRoleBinding::validateJsonElement));

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (ManifestObject object : context.overlay.objects()) {
            if (object.kind().isEmpty() || object.apiVersion().isEmpty() || object.name().isEmpty()) {
                context.report(object, ID, "apiVersion, kind and metadata.name are required");
                continue;
            }
            Validator validator = MODELS.get(object.apiVersion() + "/" + object.kind());
            if (validator == null) {
                if (isBuiltIn(object.group())) {
                    context.report(object, ID, object.apiVersion() + " " + object.kind()
                            + " is a built-in API the checker has no model for (wrong apiVersion, or add it to SchemaRule)");
                } else {
                    context.schemaUnchecked.add(object.source() + ": " + object.ref() + " (" + object.apiVersion() + ")");
                }
                continue;
            }
            try {
                validator.validate(JsonParser.parseString(object.node().toString()));
            } catch (IOException | RuntimeException e) {
                context.report(object, ID, "does not match the Kubernetes API model: " + shorten(e.getMessage()));
            }
        }
    }

    /** Core ("") and the groups Kubernetes itself serves: a bare name (apps, batch…) or *.k8s.io. */
    private static boolean isBuiltIn(String group) {
        return group.isEmpty() || !group.contains(".") || group.endsWith(".k8s.io");
    }

    /** The generated messages end with the whole object as JSON: keep the part that says what is wrong. */
    private static String shorten(String message) {
        if (message == null) {
            return "invalid";
        }
        int json = message.indexOf(" JSON: ");
        return json < 0 ? message : message.substring(0, json);
    }
}
