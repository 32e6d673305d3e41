package io.github.microkit.secrets;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The metadata of a KV v2 secret ({@code <mount>/metadata/<path>}): its versions and their state.
 *
 * @param currentVersion the newest version
 * @param oldestVersion  the oldest version still kept
 * @param maxVersions    versions kept (0 = the mount's default)
 * @param casRequired    whether every write must give the expected version
 * @param versions       each kept version's state, by version number
 */
public record KvMetadata(String mount, String path, int currentVersion, int oldestVersion, int maxVersions,
        boolean casRequired, Optional<Instant> createdTime, Optional<Instant> updatedTime,
        Map<Integer, Version> versions) {

    public KvMetadata {
        versions = Map.copyOf(versions);
    }

    /** The state of one version. */
    public record Version(int version, Optional<Instant> createdTime, Optional<Instant> deletionTime,
            boolean destroyed) {

        public boolean deleted() {
            return deletionTime.isPresent();
        }
    }
}
