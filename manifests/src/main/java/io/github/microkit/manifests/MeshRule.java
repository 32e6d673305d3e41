package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * When the overlay has Istio objects (components/mesh): their top-level fields are Istio's; mutual TLS
 * is STRICT for the whole namespace and nowhere weaker; each service is selected by a
 * RequestAuthentication that accepts exactly the tokens the service accepts (issuer, JWKS and
 * audience equal to its JWT_* variables) and forwards the token so the service still verifies it; and
 * an ALLOW AuthorizationPolicy requires a token on every route but health and metrics.
 */
final class MeshRule implements Rule {
    static final String ID = "mesh";
    private static final Map<String, Set<String>> SPEC_FIELDS = Map.of(
            "PeerAuthentication", Set.of("selector", "mtls", "portLevelMtls"),
            "RequestAuthentication", Set.of("selector", "targetRef", "targetRefs", "jwtRules"),
            "AuthorizationPolicy", Set.of("selector", "targetRef", "targetRefs", "rules", "action", "provider"));
    private static final Set<String> OPEN_PATHS = Set.of(ProbesRule.LIVE, ProbesRule.READY, "/metrics");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        List<ManifestObject> istio = context.overlay.objects().stream()
                .filter(o -> o.group().endsWith("istio.io")).toList();
        if (istio.isEmpty()) {
            return; // the mesh is optional
        }
        for (ManifestObject object : istio) {
            Set<String> fields = SPEC_FIELDS.get(object.kind());
            if (fields == null) {
                context.report(object, ID, object.kind() + " is not a kind this rule knows (PeerAuthentication, "
                        + "RequestAuthentication, AuthorizationPolicy)");
                continue;
            }
            object.node().path("spec").fieldNames().forEachRemaining(field -> {
                if (!fields.contains(field)) {
                    context.report(object, ID, "spec." + field + " is not a " + object.kind() + " field");
                }
            });
            if (object.kind().equals("PeerAuthentication")) {
                String mode = object.node().path("spec").path("mtls").path("mode").asText("");
                if (!mode.equals("STRICT")) {
                    context.report(object, ID, "spec.mtls.mode must be STRICT, found " + (mode.isEmpty() ? "none" : mode));
                }
                object.node().path("spec").path("portLevelMtls").properties().forEach(port -> {
                    if (!port.getValue().path("mode").asText().equals("STRICT")) {
                        context.report(object, ID, "portLevelMtls " + port.getKey() + " weakens mutual TLS");
                    }
                });
            }
        }
        boolean namespaceWideStrict = istio.stream().anyMatch(o -> o.kind().equals("PeerAuthentication")
                && !o.node().path("spec").has("selector")
                && o.node().path("spec").path("mtls").path("mode").asText().equals("STRICT"));
        if (!namespaceWideStrict) {
            context.violations.add(new Violation(context.overlay.kustomizationSource(), "PeerAuthentication/*", ID,
                    "no namespace-wide PeerAuthentication with mtls.mode STRICT"));
        }
        for (String service : context.variables.services()) {
            for (PodTemplate pod : context.servicePods(service)) {
                pod.container(service).ifPresent(c -> checkService(context, istio, pod, c.node()));
            }
        }
    }

    private static void checkService(Context context, List<ManifestObject> istio, PodTemplate pod, JsonNode container) {
        Map<String, Optional<String>> env = Env.of(context.overlay, pod, container, new ArrayList<>());
        List<ManifestObject> authentications = selecting(istio, "RequestAuthentication", pod);
        if (authentications.isEmpty()) {
            context.report(pod.owner(), ID, "no RequestAuthentication selects this service's pods");
        }
        for (ManifestObject authn : authentications) {
            for (JsonNode jwt : authn.node().path("spec").path("jwtRules")) {
                expectEqual(context, authn, "issuer", jwt.path("issuer").asText(""), env, "JWT_ISSUER");
                expectEqual(context, authn, "jwksUri", jwt.path("jwksUri").asText(""), env, "JWT_JWKS_URI");
                Optional<String> audience = env.getOrDefault("JWT_AUDIENCE", Optional.empty());
                boolean hasAudience = false;
                for (JsonNode a : jwt.path("audiences")) {
                    hasAudience |= audience.map(a.asText()::equals).orElse(false);
                }
                if (!hasAudience) {
                    context.report(authn, ID, "jwtRules audiences " + jwt.path("audiences") + " must contain "
                            + pod.owner().ref() + "'s JWT_AUDIENCE " + audience.orElse("(unset)"));
                }
                if (!jwt.path("forwardOriginalToken").asBoolean(false)) {
                    context.report(authn, ID, "jwtRules must set forwardOriginalToken: true, or "
                            + pod.owner().ref() + " never sees the token it must verify itself");
                }
            }
        }
        List<ManifestObject> policies = selecting(istio, "AuthorizationPolicy", pod).stream()
                .filter(p -> p.node().path("spec").path("action").asText("ALLOW").equals("ALLOW")).toList();
        if (policies.isEmpty()) {
            context.report(pod.owner(), ID, "no ALLOW AuthorizationPolicy selects this service's pods: "
                    + "RequestAuthentication alone lets requests without a token through");
        }
        for (ManifestObject policy : policies) {
            for (JsonNode rule : policy.node().path("spec").path("rules")) {
                boolean requiresToken = false;
                for (JsonNode from : rule.path("from")) {
                    requiresToken |= !from.path("source").path("requestPrincipals").isEmpty();
                }
                if (!requiresToken && !onlyOpenPaths(rule)) {
                    context.report(policy, ID, "a rule allows " + rule.path("to")
                            + " without requestPrincipals: only health and metrics may be reached without a token");
                }
            }
        }
    }

    private static boolean onlyOpenPaths(JsonNode rule) {
        if (rule.path("to").isEmpty()) {
            return false;
        }
        for (JsonNode to : rule.path("to")) {
            JsonNode paths = to.path("operation").path("paths");
            if (paths.isEmpty()) {
                return false;
            }
            for (JsonNode path : paths) {
                if (!OPEN_PATHS.contains(path.asText())) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void expectEqual(Context context, ManifestObject authn, String field, String value,
                                    Map<String, Optional<String>> env, String variable) {
        Optional<String> expected = env.getOrDefault(variable, Optional.empty());
        if (expected.isPresent() && !expected.get().equals(value)) {
            context.report(authn, ID, "jwtRules " + field + " " + value + " differs from the service's "
                    + variable + " " + expected.get());
        }
    }

    private static List<ManifestObject> selecting(List<ManifestObject> istio, String kind, PodTemplate pod) {
        return istio.stream().filter(o -> o.kind().equals(kind)
                        && o.namespace().orElse("").equals(pod.namespace())
                        && LabelSelector.matches(o.node().path("spec").path("selector"), pod.labels()))
                .toList();
    }
}
