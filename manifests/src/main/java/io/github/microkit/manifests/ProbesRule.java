package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every container of a long-running pod has a startup, a readiness and a liveness probe. The
 * services' probes use their health endpoints on their HTTP port: readiness {@code /health/ready}
 * (broker, keys, Vault), liveness {@code /health/live} (the process only: a broker outage must not
 * restart every pod). Operator-managed pods (RabbitmqCluster) get their probes from the operator.
 */
final class ProbesRule implements Rule {
    static final String ID = "probes";
    static final String READY = "/health/ready";
    static final String LIVE = "/health/live";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (PodTemplate pod : context.pods) {
            if (!pod.longRunning() || pod.operatorManaged()) {
                continue;
            }
            for (JsonNode container : pod.spec().path("containers")) {
                String where = "containers[" + container.path("name").asText("?") + "]: ";
                for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                    if (!container.has(probe) || container.path(probe).isEmpty()) {
                        context.report(pod.owner(), ID, where + probe + " is missing");
                    }
                }
            }
        }
        for (String service : context.variables.services()) {
            for (PodTemplate pod : context.servicePods(service)) {
                pod.container(service).ifPresent(c -> checkServiceProbes(context, pod, c.node()));
            }
        }
    }

    private static void checkServiceProbes(Context context, PodTemplate pod, JsonNode container) {
        String where = "containers[" + container.path("name").asText() + "]: ";
        Map<String, Optional<String>> env = Env.of(context.overlay, pod, container, new ArrayList<>());
        Optional<String> httpPort = env.getOrDefault("HTTP_PORT", Optional.empty());
        expectHttpGet(context, pod, container, where, "readinessProbe", READY, httpPort);
        expectHttpGet(context, pod, container, where, "livenessProbe", LIVE, httpPort);
        JsonNode startup = container.path("startupProbe").path("httpGet");
        if (container.has("startupProbe") && !startup.path("path").asText().startsWith("/health/")) {
            context.report(pod.owner(), ID, where + "startupProbe must be an httpGet on /health/live or /health/ready");
        }
    }

    private static void expectHttpGet(Context context, PodTemplate pod, JsonNode container, String where,
                                      String probe, String path, Optional<String> httpPort) {
        if (!container.has(probe)) {
            return; // reported above
        }
        JsonNode get = container.path(probe).path("httpGet");
        if (!get.path("path").asText().equals(path)) {
            context.report(pod.owner(), ID, where + probe + " must be an httpGet on " + path + ", found "
                    + (get.isMissingNode() ? "no httpGet" : get.path("path").asText()));
            return;
        }
        Optional<Integer> port = portNumber(container, get.path("port"));
        if (httpPort.isPresent() && port.isPresent() && !httpPort.get().equals(String.valueOf(port.get()))) {
            context.report(pod.owner(), ID, where + probe + " probes port " + port.get()
                    + " but the service listens on HTTP_PORT=" + httpPort.get());
        } else if (port.isEmpty()) {
            context.report(pod.owner(), ID, where + probe + " port " + get.path("port").asText()
                    + " names no container port");
        }
    }

    static Optional<Integer> portNumber(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return Optional.of(port.asInt());
        }
        for (JsonNode declared : container.path("ports")) {
            if (declared.path("name").asText().equals(port.asText())) {
                return Optional.of(declared.path("containerPort").asInt());
            }
        }
        return port.asText().matches("\\d+") ? Optional.of(Integer.parseInt(port.asText())) : Optional.empty();
    }
}
