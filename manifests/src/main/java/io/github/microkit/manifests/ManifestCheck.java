package io.github.microkit.manifests;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The checker from the command line, for an edited copy of the manifests:
 * <pre>
 * ./mvnw -q -pl manifests exec:java -Dexec.mainClass=io.github.microkit.manifests.ManifestCheck \
 *     -Dexec.args="overlays/dev overlays/prod"
 * </pre>
 * Arguments are overlay directories relative to the manifests directory (the working directory, or its
 * {@code manifests/} subdirectory). Exit status 0 when every overlay passes, 1 on a violation, 2 when an
 * overlay cannot be rendered.
 */
public final class ManifestCheck {
    private ManifestCheck() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), Path.of(""), System.out));
    }

    static int run(List<String> overlays, Path workingDirectory, PrintStream out) {
        Objects.requireNonNull(overlays, "overlays");
        Path here = workingDirectory.toAbsolutePath();
        Path root = Files.isRegularFile(here.resolve(ServiceVariables.FILE_NAME)) ? here : here.resolve("manifests");
        List<String> targets = overlays.isEmpty() ? List.of("overlays/dev", "overlays/prod") : overlays;
        int status = 0;
        try {
            ManifestChecker checker = ManifestChecker.forManifests(root);
            for (String overlay : targets) {
                Report report = checker.check(Path.of(overlay));
                out.print(report.format());
                if (!report.passed()) {
                    status = 1;
                }
            }
        } catch (ManifestException e) {
            out.println("cannot check: " + e.getMessage());
            return 2;
        }
        return status;
    }
}
