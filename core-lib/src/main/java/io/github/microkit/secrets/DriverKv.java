package io.github.microkit.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.api.WriteOptions;
import io.github.jopenlibs.vault.response.LogicalResponse;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** KV v2 over vault-java-driver (reads, writes) and direct calls (metadata, version delete). */
final class DriverKv implements KvV2 {

    private final String mount;
    private final int mountDepth;
    private final VaultSession session;
    private final VaultTransport transport;
    private final VaultClient client;

    DriverKv(String mount, VaultSession session, VaultTransport transport, VaultClient client) {
        this.mount = checkMount(mount);
        this.mountDepth = this.mount.split("/").length;
        this.session = session;
        this.transport = transport;
        this.client = client;
    }

    private static String checkMount(String mount) {
        Objects.requireNonNull(mount, "mount");
        String m = mount.strip();
        if (m.startsWith("/") || m.endsWith("/") || m.isEmpty() || m.contains("//")) {
            throw new IllegalArgumentException("a KV mount is like 'secret' or 'team/kv', without slashes at the ends: " + mount);
        }
        if (m.endsWith("/data") || m.endsWith("/metadata") || m.equals("data") || m.equals("metadata")) {
            throw new IllegalArgumentException("give the mount without 'data' or 'metadata' (e.g. 'secret'), was " + mount);
        }
        return m;
    }

    private static String checkPath(String path) {
        Objects.requireNonNull(path, "path");
        if (path.isBlank() || path.startsWith("/") || path.endsWith("/") || path.contains("//")
                || path.contains("..") || path.contains("?") || path.contains("#")) {
            throw new IllegalArgumentException("a KV path is like 'microkit/producer', relative to the mount: " + path);
        }
        if (path.startsWith("data/") || path.startsWith("metadata/")) {
            throw new IllegalArgumentException("give the path without 'data/' or 'metadata/': microkit adds it, was " + path);
        }
        return path;
    }

    @Override
    public String mount() {
        return mount;
    }

    private String shown(String path) {
        return mount + "/" + path;
    }

    @Override
    public KvReadResult read(String path) {
        checkPath(path);
        return readVersion(path, 0);
    }

    @Override
    public KvReadResult read(String path, int version) {
        checkPath(path);
        if (version < 1) {
            throw new IllegalArgumentException("versions start at 1, was " + version);
        }
        return readVersion(path, version);
    }

    private KvReadResult readVersion(String path, int version) {
        return session.call("read " + shown(path), token -> {
            LogicalResponse response;
            try {
                var logical = transport.driver(token.token(), 2, mountDepth).logical();
                // shouldRetry=true with the driver's retries at 0 means one attempt; false would mean two
                response = version == 0 ? logical.read(shown(path)) : logical.read(shown(path), true, version);
            } catch (VaultException e) {
                throw transport.failure(e, shown(path));
            }
            int status = response.getRestResponse().getStatus();
            JsonNode body = VaultTransport.parse(response.getRestResponse().getBody());
            if (status == 200 || status == 404) {
                return interpret(path, status, body);
            }
            throw transport.failure(status, body, shown(path));
        });
    }

    /** 200 with data, or 404 whose metadata says deleted or destroyed, or a plain 404. */
    private KvReadResult interpret(String path, int status, JsonNode body) {
        JsonNode metadata = body.path("data").path("metadata");
        JsonNode data = body.path("data").path("data");
        int version = metadata.path("version").asInt(0);
        if (status == 200 && data.isObject()) {
            Map<String, Secret> values = new HashMap<>();
            data.properties().forEach(f -> values.put(f.getKey(),
                    Secret.of(f.getKey(), f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString())));
            return KvReadResult.found(new KvSecret(mount, path, version, instant(metadata.path("created_time")), values));
        }
        if (metadata.path("destroyed").asBoolean(false)) {
            return KvReadResult.destroyed(mount, path, version);
        }
        Optional<Instant> deletion = instant(metadata.path("deletion_time"));
        if (deletion.isPresent()) {
            return KvReadResult.deleted(mount, path, version, deletion.get());
        }
        if (status == 200) {
            throw SecretAccessException.vault(SecretAccessException.Reason.INVALID, transport.address(), shown(path),
                    status, "the answer has no data and no deletion marker", null);
        }
        return KvReadResult.notFound(mount, path);
    }

    static Optional<Instant> instant(JsonNode node) {
        if (!node.isTextual() || node.asText().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(node.asText()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<KvMetadata> metadata(String path) {
        checkPath(path);
        String api = mount + "/metadata/" + path;
        return session.call("metadata " + shown(path), token -> {
            VaultTransport.Reply reply = transport.send("GET", api, token.token(), null, shown(path));
            if (reply.status() == 404) {
                return Optional.<KvMetadata>empty();
            }
            if (!reply.ok()) {
                throw transport.failure(reply.status(), reply.body(), shown(path));
            }
            JsonNode d = reply.body().path("data");
            Map<Integer, KvMetadata.Version> versions = new LinkedHashMap<>();
            d.path("versions").properties().forEach(f -> {
                int v = Integer.parseInt(f.getKey());
                versions.put(v, new KvMetadata.Version(v, instant(f.getValue().path("created_time")),
                        instant(f.getValue().path("deletion_time")), f.getValue().path("destroyed").asBoolean(false)));
            });
            return Optional.of(new KvMetadata(mount, path, d.path("current_version").asInt(),
                    d.path("oldest_version").asInt(), d.path("max_versions").asInt(),
                    d.path("cas_required").asBoolean(false), instant(d.path("created_time")),
                    instant(d.path("updated_time")), versions));
        });
    }

    @Override
    public int write(String path, Map<String, String> data) {
        return writeVersion(path, data, -1);
    }

    @Override
    public int write(String path, Map<String, String> data, int expectedVersion) {
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be 0 (create only) or more, was " + expectedVersion);
        }
        return writeVersion(path, data, expectedVersion);
    }

    /** {@code expectedVersion} -1 means no check-and-set. */
    private int writeVersion(String path, Map<String, String> data, int expectedVersion) {
        checkPath(path);
        Objects.requireNonNull(data, "data");
        Map<String, Object> values = new LinkedHashMap<>(data);
        values.values().forEach(v -> Objects.requireNonNull(v, "a value in data"));
        // a write is not idempotent without CAS: a retry after a lost answer would add a version; acceptable
        // for KV (same data), and with CAS the retry reports CAS_MISMATCH truthfully
        return session.call("write " + shown(path), token -> {
            LogicalResponse response;
            try {
                var logical = transport.driver(token.token(), 2, mountDepth).logical();
                response = expectedVersion < 0 ? logical.write(shown(path), values)
                        : logical.write(shown(path), values, null,
                                new WriteOptions().checkAndSet((long) expectedVersion).build());
            } catch (VaultException e) {
                throw transport.failure(e, shown(path));
            }
            int status = response.getRestResponse().getStatus();
            JsonNode body = VaultTransport.parse(response.getRestResponse().getBody());
            if (status == 200 || status == 204) {
                return body.path("data").path("version").asInt(0);
            }
            throw transport.failure(status, body, shown(path));
        });
    }

    @Override
    public void delete(String path, int... versions) {
        checkPath(path);
        Objects.requireNonNull(versions, "versions");
        if (versions.length == 0) {
            throw new IllegalArgumentException("name the versions to delete; deleting all is not offered");
        }
        List<Integer> list = new ArrayList<>();
        for (int v : versions) {
            if (v < 1) {
                throw new IllegalArgumentException("versions start at 1, was " + v);
            }
            list.add(v);
        }
        session.call("delete versions of " + shown(path), token -> {
            VaultTransport.Reply reply = transport.send("POST", mount + "/delete/" + path, token.token(),
                    Map.of("versions", list), shown(path));
            if (!reply.ok()) {
                throw transport.failure(reply.status(), reply.body(), shown(path));
            }
            return null;
        });
    }

    @Override
    public SecretSource source(String path) {
        checkPath(path);
        return client.kvSource(mount, path, () -> new VaultKvSource(this, path, client.settings()));
    }

    @Override
    public String toString() {
        return "KvV2[" + mount + " at " + transport.address() + "]";
    }
}
