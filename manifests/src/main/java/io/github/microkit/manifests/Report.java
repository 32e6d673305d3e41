package io.github.microkit.manifests;

import java.util.List;
import java.util.Objects;

/** What the checker found in one overlay. */
public final class Report {
    private final String overlay;
    private final int objects;
    private final List<String> rules;
    private final List<Violation> violations;
    private final List<String> schemaUnchecked;

    Report(String overlay, int objects, List<String> rules, List<Violation> violations, List<String> schemaUnchecked) {
        this.overlay = Objects.requireNonNull(overlay, "overlay");
        this.objects = objects;
        this.rules = List.copyOf(rules);
        this.violations = List.copyOf(violations);
        this.schemaUnchecked = List.copyOf(schemaUnchecked);
    }

    public String overlay() {
        return overlay;
    }

    public boolean passed() {
        return violations.isEmpty();
    }

    public List<Violation> violations() {
        return violations;
    }

    /** Objects of kinds the Kubernetes API models do not cover (RabbitmqCluster, Istio): own rules only. */
    public List<String> schemaUnchecked() {
        return schemaUnchecked;
    }

    public List<String> rules() {
        return rules;
    }

    public int objects() {
        return objects;
    }

    public String format() {
        StringBuilder out = new StringBuilder();
        out.append(overlay).append(": ").append(objects).append(" objects, rules ").append(String.join(", ", rules))
                .append(": ").append(passed() ? "passed" : violations.size() + " violation(s)").append('\n');
        violations.forEach(v -> out.append("  ").append(v).append('\n'));
        if (!schemaUnchecked.isEmpty()) {
            out.append("  schema-unchecked (no Kubernetes API model; own rules only):\n");
            schemaUnchecked.forEach(s -> out.append("    ").append(s).append('\n'));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
