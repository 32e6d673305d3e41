package io.github.microkit.secrets;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** One version of a KV v2 secret: its key/value pairs as {@link Secret}s and the version's metadata. */
public final class KvSecret {

    private final String mount;
    private final String path;
    private final int version;
    private final Optional<Instant> createdTime;
    private final Map<String, Secret> data;

    KvSecret(String mount, String path, int version, Optional<Instant> createdTime, Map<String, Secret> data) {
        this.mount = mount;
        this.path = path;
        this.version = version;
        this.createdTime = createdTime;
        this.data = Map.copyOf(data);
    }

    public String mount() {
        return mount;
    }

    public String path() {
        return path;
    }

    public int version() {
        return version;
    }

    public Optional<Instant> createdTime() {
        return createdTime;
    }

    /** The value under {@code key}. */
    public Optional<Secret> get(String key) {
        return Optional.ofNullable(data.get(Objects.requireNonNull(key, "key")));
    }

    /** All pairs; each value is a {@link Secret}, so printing the map shows keys only. */
    public Map<String, Secret> data() {
        return data;
    }

    @Override
    public String toString() {
        return "KvSecret[" + mount + "/" + path + " v" + version + ", keys=" + new TreeMap<>(data).keySet() + "]";
    }
}
