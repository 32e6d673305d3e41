package io.github.microkit.manifests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization directory to YAML with the tools on the machine: {@code kubectl kustomize}
 * (kubectl carries kustomize since 1.14), or, where kubectl is missing, the standalone
 * {@code kustomize build}. {@code MICROKIT_KUSTOMIZE} may name either binary explicitly.
 */
public final class Kustomize {
    private static final long TIMEOUT_SECONDS = 120;

    private final List<String> command;

    private Kustomize(List<String> command) {
        this.command = List.copyOf(command);
    }

    /** The first of $MICROKIT_KUSTOMIZE, kubectl, kustomize found on the PATH. */
    public static Kustomize fromPath() {
        String explicit = System.getenv("MICROKIT_KUSTOMIZE");
        if (explicit != null && !explicit.isBlank()) {
            return forBinary(Path.of(explicit));
        }
        return find("kubectl").map(Kustomize::forBinary)
                .or(() -> find("kustomize").map(Kustomize::forBinary))
                .orElseThrow(() -> new ManifestException(
                        "neither kubectl nor kustomize is on the PATH: install one, or set MICROKIT_KUSTOMIZE"));
    }

    /** kubectl ({@code kubectl kustomize DIR}) or kustomize ({@code kustomize build DIR}), by file name. */
    public static Kustomize forBinary(Path binary) {
        Objects.requireNonNull(binary, "binary");
        String name = binary.getFileName().toString();
        return name.startsWith("kustomize")
                ? new Kustomize(List.of(binary.toString(), "build"))
                : new Kustomize(List.of(binary.toString(), "kustomize"));
    }

    /** The rendered YAML stream of the kustomization in {@code directory}. */
    public String render(Path directory) {
        Objects.requireNonNull(directory, "directory");
        List<String> cmd = new ArrayList<>(command);
        cmd.add(directory.toString());
        try {
            Process process = new ProcessBuilder(cmd).start();
            process.getOutputStream().close();
            // Read both streams concurrently: a full stderr pipe would block the tool forever.
            CompletableFuture<String> out = readAsync(process.getInputStream());
            CompletableFuture<String> err = readAsync(process.getErrorStream());
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new ManifestException(String.join(" ", cmd) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new ManifestException(String.join(" ", cmd) + " failed (exit " + process.exitValue() + "): "
                        + err.join().strip());
            }
            return out.join();
        } catch (IOException e) {
            throw new ManifestException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ManifestException("interrupted while rendering " + directory, e);
        }
    }

    @Override
    public String toString() {
        return String.join(" ", command);
    }

    private static CompletableFuture<String> readAsync(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ManifestException("cannot read the output of kustomize", e);
            }
        });
    }

    private static Optional<Path> find(String name) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
