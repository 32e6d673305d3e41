package io.github.microkit.secrets;

import java.util.Map;
import java.util.Optional;

/**
 * A KV version 2 secrets engine at one mount. Paths are given without the mount and without {@code data/}
 * or {@code metadata/}: {@code kv("secret").read("microkit/producer")} reads
 * {@code /v1/secret/data/microkit/producer}.
 *
 * <p>There is deliberately no "delete everything" call: vault-java-driver's {@code delete(path)} erases all
 * versions and the metadata, which is almost never what a service means.
 */
public interface KvV2 {

    String mount();

    /** The latest version. Forbidden, sealed and unreachable are thrown, never returned as absent. */
    KvReadResult read(String path);

    /** A given version (1, 2, ...). */
    KvReadResult read(String path, int version);

    /** The secret's metadata; empty when nothing was ever written at {@code path}. */
    Optional<KvMetadata> metadata(String path);

    /** Writes a new version and returns its number. */
    int write(String path, Map<String, String> data);

    /**
     * Check-and-set: writes only if the current version is {@code expectedVersion} (0: only if the secret
     * does not exist yet). Otherwise throws {@link SecretAccessException} with reason {@code CAS_MISMATCH}.
     */
    int write(String path, Map<String, String> data, int expectedVersion);

    /** Soft-deletes the given versions (they can be undeleted); at least one version is required. */
    void delete(String path, int... versions);

    /**
     * The keys of the secret at {@code path} as a {@link SecretSource}: read once per refresh interval and,
     * while Vault is unreachable, sealed or failing, served from the last good read up to the configured
     * staleness (health DEGRADED meanwhile); refreshed in the background, so it recovers by itself.
     * Asking again for the same mount and path returns the same source (one cache, one refresh).
     */
    SecretSource source(String path);
}
