package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every container, init containers and Jobs included, requests CPU and memory (so the scheduler
 * places it honestly) and has CPU and memory limits (so one pod cannot starve a node).
 */
final class ResourcesRule implements Rule {
    static final String ID = "resources";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (PodTemplate pod : context.pods) {
            for (PodTemplate.Container c : pod.containers()) {
                JsonNode resources = c.node().path("resources");
                if (pod.operatorManaged() && !c.node().path("name").asText().equals("rabbitmq")) {
                    continue; // the operator sizes its own helper containers
                }
                for (String section : new String[] {"requests", "limits"}) {
                    for (String resource : new String[] {"cpu", "memory"}) {
                        String value = resources.path(section).path(resource).asText("");
                        if (value.isBlank()) {
                            context.report(pod.owner(), ID, c.label() + ": resources." + section + "." + resource + " is missing");
                        }
                    }
                }
            }
        }
    }
}
