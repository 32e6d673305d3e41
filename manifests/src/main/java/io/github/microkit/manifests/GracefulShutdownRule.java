package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

/**
 * A service's pod gets the time its drain needs: a preStop pause (so endpoints stop routing to it
 * before SIGTERM) plus SHUTDOWN_TIMEOUT must fit into terminationGracePeriodSeconds, or the kubelet
 * kills the JVM mid-drain; and the grace period exceeds that sum by at most 15 s, so a stuck pod does
 * not hold a rollout for long.
 */
final class GracefulShutdownRule implements Rule {
    static final String ID = "graceful-shutdown";
    static final long MAX_MARGIN_SECONDS = 15;
    private static final long KUBERNETES_DEFAULT_GRACE = 30;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (String service : context.variables.services()) {
            for (PodTemplate pod : context.servicePods(service)) {
                pod.container(service).ifPresent(c -> check(context, pod, c.node()));
            }
        }
    }

    private static void check(Context context, PodTemplate pod, JsonNode container) {
        Map<String, Optional<String>> env = Env.of(context.overlay, pod, container, new ArrayList<>());
        Optional<String> timeoutText = env.getOrDefault("SHUTDOWN_TIMEOUT", Optional.empty());
        if (timeoutText.isEmpty()) {
            context.report(pod.owner(), ID, "SHUTDOWN_TIMEOUT has no value the checker can read");
            return;
        }
        Duration timeout;
        try {
            timeout = Duration.parse(timeoutText.get());
        } catch (DateTimeParseException e) {
            context.report(pod.owner(), ID, "SHUTDOWN_TIMEOUT=" + timeoutText.get() + " is not an ISO-8601 duration");
            return;
        }
        Optional<Long> pause = preStopSeconds(container.path("lifecycle").path("preStop"));
        if (pause.isEmpty()) {
            context.report(pod.owner(), ID, "containers[" + container.path("name").asText()
                    + "]: lifecycle.preStop must pause (sleep action or exec sleep N) before SIGTERM");
            return;
        }
        long grace = pod.spec().path("terminationGracePeriodSeconds").asLong(KUBERNETES_DEFAULT_GRACE);
        long needed = pause.get() + (long) Math.ceil(timeout.toMillis() / 1000.0);
        if (grace < needed) {
            context.report(pod.owner(), ID, "terminationGracePeriodSeconds " + grace + " < preStop " + pause.get()
                    + " s + SHUTDOWN_TIMEOUT " + timeoutText.get() + ": the JVM would be killed mid-drain");
        } else if (grace > needed + MAX_MARGIN_SECONDS) {
            context.report(pod.owner(), ID, "terminationGracePeriodSeconds " + grace + " exceeds preStop " + pause.get()
                    + " s + SHUTDOWN_TIMEOUT " + timeoutText.get() + " by more than " + MAX_MARGIN_SECONDS + " s");
        }
    }

    private static Optional<Long> preStopSeconds(JsonNode preStop) {
        if (preStop.path("sleep").has("seconds")) {
            return Optional.of(preStop.path("sleep").path("seconds").asLong());
        }
        JsonNode command = preStop.path("exec").path("command");
        String joined = command.isArray() ? String.join(" ",
                StreamSupport.stream(command.spliterator(), false).map(JsonNode::asText).toList()) : "";
        var matcher = Pattern.compile("(?:^|\\s)sleep\\s+(\\d+)").matcher(joined);
        return matcher.find() ? Optional.of(Long.parseLong(matcher.group(1))) : Optional.empty();
    }
}
