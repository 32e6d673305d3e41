package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every container runs "restricted": not as root, no privilege escalation, a read-only root
 * filesystem with a writable {@code /tmp} (an emptyDir), every capability dropped and none added, the
 * runtime's default seccomp profile, no host namespaces, ports or paths (only the volume types the
 * restricted Pod Security Standard allows). Pod-level settings count where
 * Kubernetes lets the container inherit them (runAsNonRoot, runAsUser, seccompProfile).
 */
final class SecurityContextRule implements Rule {
    static final String ID = "security-context";
    /** The volume types the restricted Pod Security Standard allows. */
    private static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi",
            "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (PodTemplate pod : context.pods) {
            JsonNode podContext = pod.spec().path("securityContext");
            for (String host : new String[] {"hostNetwork", "hostPID", "hostIPC"}) {
                if (pod.spec().path(host).asBoolean(false)) {
                    context.report(pod.owner(), ID, host + " must not be true");
                }
            }
            Map<String, JsonNode> volumes = new HashMap<>();
            pod.spec().path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
            for (JsonNode volume : pod.spec().path("volumes")) {
                volume.fieldNames().forEachRemaining(type -> {
                    if (!type.equals("name") && !RESTRICTED_VOLUMES.contains(type)) {
                        context.report(pod.owner(), ID, "volume " + volume.path("name").asText() + " is a " + type
                                + " volume, which the restricted Pod Security Standard forbids");
                    }
                });
            }
            for (PodTemplate.Container c : pod.containers()) {
                JsonNode sc = c.node().path("securityContext");
                String where = c.label() + ": ";
                boolean nonRoot = sc.path("runAsNonRoot").asBoolean(podContext.path("runAsNonRoot").asBoolean(false));
                if (!nonRoot) {
                    context.report(pod.owner(), ID, where + "runAsNonRoot must be true (container or pod)");
                }
                JsonNode user = sc.has("runAsUser") ? sc.path("runAsUser") : podContext.path("runAsUser");
                if (user.isNumber() && user.asLong() == 0) {
                    context.report(pod.owner(), ID, where + "runAsUser must not be 0");
                }
                if (!sc.path("allowPrivilegeEscalation").isBoolean() || sc.path("allowPrivilegeEscalation").asBoolean()) {
                    context.report(pod.owner(), ID, where + "allowPrivilegeEscalation must be false");
                }
                if (sc.path("privileged").asBoolean(false)) {
                    context.report(pod.owner(), ID, where + "privileged must not be true");
                }
                if (!sc.path("readOnlyRootFilesystem").asBoolean(false)) {
                    context.report(pod.owner(), ID, where + "readOnlyRootFilesystem must be true");
                }
                boolean dropsAll = false;
                for (JsonNode cap : sc.path("capabilities").path("drop")) {
                    dropsAll |= cap.asText().equals("ALL");
                }
                if (!dropsAll) {
                    context.report(pod.owner(), ID, where + "capabilities.drop must contain ALL");
                }
                if (!sc.path("capabilities").path("add").isEmpty()) {
                    context.report(pod.owner(), ID, where + "capabilities.add must be empty, found "
                            + sc.path("capabilities").path("add"));
                }
                String seccomp = sc.path("seccompProfile").path("type")
                        .asText(podContext.path("seccompProfile").path("type").asText(""));
                if (!seccomp.equals("RuntimeDefault") && !seccomp.equals("Localhost")) {
                    context.report(pod.owner(), ID, where + "seccompProfile.type must be RuntimeDefault (container or pod)");
                }
                for (JsonNode port : c.node().path("ports")) {
                    if (port.has("hostPort")) {
                        context.report(pod.owner(), ID, where + "hostPort " + port.path("hostPort").asText()
                                + " binds the node's network: expose it through a Service");
                    }
                }
                if (!hasWritableTmp(c.node(), volumes, pod.operatorManaged())) {
                    context.report(pod.owner(), ID, where + "needs a writable /tmp: an emptyDir volume mounted at /tmp");
                }
            }
        }
    }

    private static boolean hasWritableTmp(JsonNode container, Map<String, JsonNode> volumes, boolean operatorManaged) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("mountPath").asText().replaceAll("/+$", "").equals("/tmp")
                    && !mount.path("readOnly").asBoolean(false)) {
                JsonNode volume = volumes.get(mount.path("name").asText());
                // An operator adds its own volumes to ours; ours must still be an emptyDir when we name it.
                return volume != null ? volume.has("emptyDir") : operatorManaged;
            }
        }
        return false;
    }
}
