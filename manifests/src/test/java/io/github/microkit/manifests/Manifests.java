package io.github.microkit.manifests;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's manifests directory, found from the module's working directory. */
final class Manifests {
    private static ManifestChecker checker;

    private Manifests() {
    }

    /** The module directory is manifests/ itself: the kustomizations live beside the pom. */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        if (Files.isRegularFile(here.resolve(ServiceVariables.FILE_NAME))) {
            return here;
        }
        return here.resolve("manifests");
    }

    static synchronized ManifestChecker checker() {
        if (checker == null) {
            checker = ManifestChecker.forManifests(root());
        }
        return checker;
    }
}
