package io.github.microkit.secrets;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where secrets come from: a flat namespace of names such as {@code rabbitmq-password}.
 *
 * <p>Implementations are thread-safe and read their backing store as needed (a rotated file or a new KV
 * version is seen without a restart). Combine them with {@link #firstOf(SecretSource...)}; the usual order
 * for a service is Vault, then mounted files, then environment variables.
 *
 * <pre>{@code
 * SecretSource secrets = SecretSource.firstOf(
 *         vault.kv("secret").source("microkit/producer"),  // Vault KV v2, cached
 *         SecretSource.directory(Path.of("/etc/secrets")),   // Kubernetes Secret volume
 *         SecretSource.environment());                      // RABBITMQ_PASSWORD for rabbitmq-password
 * Secret password = secrets.require("rabbitmq-password");
 * }</pre>
 */
public interface SecretSource {

    /**
     * The secret called {@code name}, or empty when this source does not have it.
     *
     * @throws SecretAccessException when the source cannot tell (unreachable, sealed, forbidden, unreadable
     *                               file): "cannot tell" is never reported as "absent"
     */
    Optional<Secret> find(String name);

    /** The secret called {@code name}; throws {@link SecretAccessException} naming it when absent. */
    default Secret require(String name) {
        Objects.requireNonNull(name, "name");
        return find(name).orElseThrow(() -> SecretAccessException.notFound(describe(), name));
    }

    /** Where this source reads from, for messages (e.g. {@code files in /etc/secrets}); never a value. */
    String describe();

    /**
     * Environment variables of this process: the name is upper-cased and {@code -} and {@code .} become
     * {@code _}, so {@code rabbitmq-password} is read from {@code RABBITMQ_PASSWORD}. {@code NAME_FILE}
     * (the path of a file holding the value) is honoured too, as everywhere in microkit.
     */
    static SecretSource environment() {
        return new EnvironmentSource(System.getenv());
    }

    /** Like {@link #environment()} over the given variables (tests, or variables assembled by the caller). */
    static SecretSource environment(Map<String, String> variables) {
        return new EnvironmentSource(Objects.requireNonNull(variables, "variables"));
    }

    /**
     * One file per secret in {@code directory}, the file name being the secret's name: the layout of a
     * Kubernetes Secret volume and of Vault Agent templates written one file per secret. Files are read at
     * each lookup, so Kubernetes' atomic symlink swap on rotation is picked up. Trailing newlines are
     * stripped.
     */
    static SecretSource directory(Path directory) {
        return new DirectorySource(Objects.requireNonNull(directory, "directory"));
    }

    /**
     * A file of {@code name=value} lines, the usual output of a Vault Agent template; re-read when its
     * modification time changes.
     */
    static SecretSource propertiesFile(Path file) {
        return new PropertiesFileSource(Objects.requireNonNull(file, "file"));
    }

    /**
     * The first source that has the name wins, in the order given. A source that cannot tell (it throws)
     * stops the lookup rather than being skipped: falling through to a lower-precedence source would
     * silently serve an old value while Vault is away.
     */
    static SecretSource firstOf(SecretSource... sources) {
        return firstOf(List.of(sources));
    }

    static SecretSource firstOf(List<? extends SecretSource> sources) {
        Objects.requireNonNull(sources, "sources");
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("firstOf needs at least one source");
        }
        sources.forEach(s -> Objects.requireNonNull(s, "source"));
        return new CompositeSource(List.copyOf(sources));
    }
}
