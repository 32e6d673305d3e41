package io.github.microkit.manifests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Checks rendered overlays against the Kubernetes API models and microkit's own rules (the ids in
 * every message): schema, security-context, probes, resources, labels, selectors, references,
 * service-variables, image-pinned, configmap-secrets, graceful-shutdown, network-default-deny,
 * vault-setup, mesh, rabbitmq-cluster, statefulset-storage, database.
 *
 * <pre>{@code
 * ManifestChecker checker = ManifestChecker.forManifests(Path.of("manifests"));
 * Report report = checker.check(Path.of("overlays/dev"));
 * }</pre>
 */
public final class ManifestChecker {
    private final Path manifestsRoot;
    private final ServiceVariables variables;
    private final Kustomize kustomize;
    private final List<Rule> rules;

    private ManifestChecker(Path manifestsRoot, ServiceVariables variables, Kustomize kustomize) {
        this.manifestsRoot = manifestsRoot;
        this.variables = variables;
        this.kustomize = kustomize;
        this.rules = List.of(
                new SchemaRule(),
                new SecurityContextRule(),
                new ProbesRule(),
                new ResourcesRule(),
                new LabelsRule(),
                new SelectorsRule(),
                new ReferencesRule(),
                new ServiceVariablesRule(),
                new ImagePinnedRule(),
                new ConfigMapSecretsRule(),
                new GracefulShutdownRule(),
                new NetworkDefaultDenyRule(),
                new VaultSetupRule(),
                new MeshRule(),
                new RabbitmqClusterRule(),
                new StatefulSetStorageRule(),
                new DatabaseRule());
    }

    /** A checker for the manifests directory (with its service-variables.txt), rendering with {@link Kustomize#fromPath()}. */
    public static ManifestChecker forManifests(Path manifestsRoot) {
        return forManifests(manifestsRoot, Kustomize.fromPath());
    }

    public static ManifestChecker forManifests(Path manifestsRoot, Kustomize kustomize) {
        Path root = Objects.requireNonNull(manifestsRoot, "manifestsRoot").toAbsolutePath().normalize();
        Path file = root.resolve(ServiceVariables.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new ManifestException(file + " is missing: it lists the variables the services read");
        }
        return new ManifestChecker(root, ServiceVariables.load(file), Objects.requireNonNull(kustomize, "kustomize"));
    }

    /** Renders {@code overlay} (relative to the manifests directory) and checks it. */
    public Report check(Path overlay) {
        return check(render(overlay));
    }

    public RenderedOverlay render(Path overlay) {
        return RenderedOverlay.render(kustomize, manifestsRoot, Objects.requireNonNull(overlay, "overlay"));
    }

    public Report check(RenderedOverlay overlay) {
        Objects.requireNonNull(overlay, "overlay");
        Rule.Context context = new Rule.Context(overlay, variables);
        for (Rule rule : rules) {
            rule.check(context);
        }
        return new Report(overlay.name(), overlay.objects().size(), rules.stream().map(Rule::id).toList(),
                context.violations, context.schemaUnchecked);
    }
}
