package io.github.microkit.manifests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Each service of service-variables.txt has a Deployment whose container sets every variable the
 * service reads that applies to this configuration, and no name the service does not read. Values
 * count wherever the kubelet takes them from: env, envFrom ConfigMaps and Secrets.
 */
final class ServiceVariablesRule implements Rule {
    static final String ID = "service-variables";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (String service : context.variables.services()) {
            List<PodTemplate> pods = context.servicePods(service);
            if (pods.isEmpty()) {
                context.violations.add(new Violation(context.overlay.kustomizationSource(), "Deployment/" + service,
                        ID, "no Deployment with pod label app.kubernetes.io/name=" + service + " in the overlay"));
                continue;
            }
            for (PodTemplate pod : pods) {
                Optional<PodTemplate.Container> container = pod.container(service);
                if (container.isEmpty()) {
                    context.report(pod.owner(), ID, "no container named " + service);
                    continue;
                }
                List<String> problems = new ArrayList<>();
                Map<String, Optional<String>> env = Env.of(context.overlay, pod, container.get().node(), problems);
                problems.forEach(p -> context.report(pod.owner(), ID, p));
                for (ServiceVariables.Variable variable : context.variables.of(service)) {
                    if (variable.requirement().appliesTo(env) && !variable.isSetIn(env)) {
                        context.report(pod.owner(), ID, service + " reads " + variable.name()
                                + (variable.file() ? " (or " + variable.name() + "_FILE)" : "")
                                + ", required " + variable.requirement() + ", and it is not set");
                    }
                }
                for (String name : env.keySet()) {
                    if (context.variables.variableFor(service, name).isEmpty()) {
                        context.report(pod.owner(), ID, "sets " + name + ", which " + service
                                + " does not read (not in " + ServiceVariables.FILE_NAME + "); "
                                + Env.origin(context.overlay, pod, container.get().node(), name));
                    }
                }
            }
        }
    }
}
