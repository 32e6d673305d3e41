package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The token_* parameters that AppRole and Kubernetes roles share, and the token a login issues. */
final class TokenSettings {

    List<String> policies = List.of();
    Duration ttl = Duration.ZERO;
    Duration maxTtl = Duration.ZERO;
    Duration explicitMaxTtl = Duration.ZERO;
    boolean noDefaultPolicy;

    /** Reads the fields present in a role write; the legacy names (policies, ttl, max_ttl) too. */
    void update(ObjectNode d) {
        if (d.has("token_policies")) {
            policies = Json.strings(d, "token_policies");
        } else if (d.has("policies")) {
            policies = Json.strings(d, "policies");
        }
        if (d.has("token_ttl") || d.has("ttl")) {
            ttl = Durations.field(d, d.has("token_ttl") ? "token_ttl" : "ttl", Duration.ZERO);
        }
        if (d.has("token_max_ttl") || d.has("max_ttl")) {
            maxTtl = Durations.field(d, d.has("token_max_ttl") ? "token_max_ttl" : "max_ttl", Duration.ZERO);
        }
        if (d.has("token_explicit_max_ttl")) {
            explicitMaxTtl = Durations.field(d, "token_explicit_max_ttl", Duration.ZERO);
        }
        if (d.has("token_no_default_policy")) {
            noDefaultPolicy = Json.bool(d, "token_no_default_policy", false);
        }
    }

    void describe(ObjectNode d) {
        d.putArray("token_bound_cidrs");
        d.put("token_explicit_max_ttl", explicitMaxTtl.getSeconds());
        d.put("token_max_ttl", maxTtl.getSeconds());
        d.put("token_no_default_policy", noDefaultPolicy);
        d.put("token_num_uses", 0);
        d.put("token_period", 0);
        d.set("token_policies", Json.array(policies));
        d.put("token_ttl", ttl.getSeconds());
        d.put("token_type", "default");
        d.set("policies", Json.array(policies));
        d.put("ttl", ttl.getSeconds());
        d.put("max_ttl", maxTtl.getSeconds());
        d.put("period", 0);
    }

    Token issue(EmulatorCore core, Map<String, String> meta, String displayName, String path) {
        return core.tokens.create(policies, noDefaultPolicy, meta, displayName, path, ttl, maxTtl, explicitMaxTtl,
                true, Optional.empty());
    }
}
