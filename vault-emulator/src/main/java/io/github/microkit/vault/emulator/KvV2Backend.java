package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** KV version 2: versioned data, check-and-set, metadata, soft delete, undelete and destroy. */
final class KvV2Backend implements Backend {

    private static final int DEFAULT_MAX_VERSIONS = 10;

    private static final class Version {
        final ObjectNode data;
        final Instant created;
        Instant deletion;
        boolean destroyed;

        Version(ObjectNode data, Instant created) {
            this.data = data;
            this.created = created;
        }
    }

    private static final class Entry {
        final TreeMap<Integer, Version> versions = new TreeMap<>();
        final Instant created;
        Instant updated;
        int current;
        int maxVersions;
        boolean casRequired;
        Duration deleteAfter = Duration.ZERO;
        Map<String, String> custom = new LinkedHashMap<>();

        Entry(Instant created) {
            this.created = created;
            this.updated = created;
        }
    }

    private final EmulatorCore core;
    private final TreeMap<String, Entry> entries = new TreeMap<>();
    private int mountMaxVersions;
    private boolean mountCasRequired;
    private Duration mountDeleteAfter = Duration.ZERO;

    KvV2Backend(EmulatorCore core) {
        this.core = core;
    }

    @Override
    public Optional<Boolean> exists(Request req) {
        String p = req.subPath;
        if (p.startsWith("data/")) {
            return Optional.of(entries.containsKey(p.substring(5)));
        }
        if (p.startsWith("metadata/")) {
            return Optional.of(entries.containsKey(p.substring(9)));
        }
        return Optional.empty();
    }

    @Override
    public Response handle(Request req) {
        String p = req.subPath;
        Operation op = req.operation;
        if (p.equals("config")) {
            return config(req);
        }
        if (p.startsWith("data/") && p.length() > 5) {
            String key = p.substring(5);
            return switch (op) {
                case READ -> read(key, (int) Json.number(req.data, "version", 0));
                case CREATE, UPDATE -> write(key, req.data);
                case DELETE -> {
                    Entry e = entries.get(key);
                    if (e != null) {
                        softDelete(e, List.of(e.current));
                    }
                    yield Response.noContent();
                }
                default -> throw ApiError.unsupportedOperation();
            };
        }
        if (p.startsWith("metadata/") || p.equals("metadata")) {
            String key = p.length() > 9 ? p.substring(9) : "";
            if (op == Operation.LIST) {
                return list(key);
            }
            return switch (op) {
                case READ -> metadata(key);
                case CREATE, UPDATE -> writeMetadata(key, req.data);
                case DELETE -> {
                    entries.remove(key);
                    yield Response.noContent();
                }
                default -> throw ApiError.unsupportedOperation();
            };
        }
        for (String action : List.of("delete/", "undelete/", "destroy/")) {
            if (p.startsWith(action) && p.length() > action.length()) {
                if (!op.isWrite()) {
                    throw ApiError.unsupportedOperation();
                }
                List<Integer> versions = versions(req.data);
                Entry e = entries.get(p.substring(action.length()));
                if (e != null) {
                    switch (action) {
                        case "delete/" -> softDelete(e, versions);
                        case "undelete/" -> versions.forEach(v -> {
                            Version ver = e.versions.get(v);
                            if (ver != null && !ver.destroyed) {
                                ver.deletion = null;
                            }
                        });
                        default -> versions.forEach(v -> {
                            Version ver = e.versions.get(v);
                            if (ver != null) {
                                ver.destroyed = true;
                            }
                        });
                    }
                }
                return Response.noContent();
            }
        }
        throw ApiError.unsupportedPath(p);
    }

    private static List<Integer> versions(ObjectNode data) {
        List<Integer> out = new ArrayList<>();
        JsonNode v = data.get("versions");
        if (v != null && v.isArray()) {
            v.forEach(n -> out.add(n.asInt()));
        } else {
            Json.strings(data, "versions").forEach(s -> out.add(Integer.parseInt(s)));
        }
        if (out.isEmpty()) {
            throw ApiError.badRequest("no version number provided");
        }
        return out;
    }

    private void softDelete(Entry e, List<Integer> versions) {
        Instant now = core.clock.now();
        for (int v : versions) {
            Version ver = e.versions.get(v);
            if (ver != null && !ver.destroyed && !deleted(ver, now)) {
                ver.deletion = now;
            }
        }
    }

    private static boolean deleted(Version v, Instant now) {
        return v.deletion != null && !now.isBefore(v.deletion);
    }

    private Response read(String key, int version) {
        Entry e = entries.get(key);
        if (e == null) {
            throw ApiError.notFound();
        }
        int v = version == 0 ? e.current : version;
        Version ver = e.versions.get(v);
        if (ver == null) {
            throw ApiError.notFound();
        }
        ObjectNode d = Json.object();
        Instant now = core.clock.now();
        // A deleted or destroyed version answers 404 with its metadata, as Vault does.
        if (ver.destroyed || deleted(ver, now)) {
            d.putNull("data");
            d.set("metadata", versionMetadata(e, v, ver));
            return Response.data(d).status(404);
        }
        d.set("data", ver.data.deepCopy());
        d.set("metadata", versionMetadata(e, v, ver));
        return Response.data(d);
    }

    private ObjectNode versionMetadata(Entry e, int v, Version ver) {
        ObjectNode m = Json.object();
        m.put("created_time", Json.time(ver.created));
        m.set("custom_metadata", custom(e));
        m.put("deletion_time", ver.deletion == null ? "" : Json.time(ver.deletion));
        m.put("destroyed", ver.destroyed);
        m.put("version", v);
        return m;
    }

    private static JsonNode custom(Entry e) {
        if (e.custom.isEmpty()) {
            return Json.F.nullNode();
        }
        ObjectNode c = Json.object();
        e.custom.forEach(c::put);
        return c;
    }

    private Response write(String key, ObjectNode body) {
        JsonNode data = body.get("data");
        if (data == null || !data.isObject()) {
            throw ApiError.badRequest("no data provided");
        }
        Entry e = entries.get(key);
        JsonNode options = body.get("options");
        JsonNode cas = options == null ? null : options.get("cas");
        boolean casRequired = mountCasRequired || (e != null && e.casRequired);
        if (cas == null || cas.isNull()) {
            if (casRequired) {
                throw ApiError.badRequest("check-and-set parameter required for this call");
            }
        } else {
            int expected = e == null ? 0 : e.current;
            if (cas.asInt() != expected) {
                throw ApiError.badRequest("check-and-set parameter did not match the current version");
            }
        }
        Instant now = core.clock.now();
        if (e == null) {
            e = new Entry(now);
            entries.put(key, e);
        }
        e.current++;
        Version ver = new Version(((ObjectNode) data).deepCopy(), now);
        Duration after = !e.deleteAfter.isZero() ? e.deleteAfter : mountDeleteAfter;
        if (!after.isZero()) {
            ver.deletion = now.plus(after);
        }
        e.versions.put(e.current, ver);
        e.updated = now;
        int max = e.maxVersions > 0 ? e.maxVersions : mountMaxVersions > 0 ? mountMaxVersions : DEFAULT_MAX_VERSIONS;
        while (e.versions.size() > max) {
            e.versions.pollFirstEntry();
        }
        return Response.data(versionMetadata(e, e.current, ver));
    }

    private Response metadata(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            throw ApiError.notFound();
        }
        ObjectNode d = Json.object();
        d.put("cas_required", e.casRequired);
        d.put("created_time", Json.time(e.created));
        d.put("current_version", e.current);
        d.set("custom_metadata", custom(e));
        d.put("delete_version_after", Durations.format(e.deleteAfter));
        d.put("max_versions", e.maxVersions);
        d.put("oldest_version", e.versions.isEmpty() ? 0 : e.versions.firstKey());
        d.put("updated_time", Json.time(e.updated));
        ObjectNode vs = d.putObject("versions");
        e.versions.forEach((v, ver) -> {
            ObjectNode o = vs.putObject(String.valueOf(v));
            o.put("created_time", Json.time(ver.created));
            o.put("deletion_time", ver.deletion == null ? "" : Json.time(ver.deletion));
            o.put("destroyed", ver.destroyed);
        });
        return Response.data(d);
    }

    private Response writeMetadata(String key, ObjectNode body) {
        Instant now = core.clock.now();
        Entry e = entries.computeIfAbsent(key, k -> new Entry(now));
        if (body.has("max_versions")) {
            e.maxVersions = (int) Json.number(body, "max_versions", 0);
        }
        if (body.has("cas_required")) {
            e.casRequired = Json.bool(body, "cas_required", false);
        }
        if (body.has("delete_version_after")) {
            e.deleteAfter = Durations.field(body, "delete_version_after", Duration.ZERO);
        }
        JsonNode c = body.get("custom_metadata");
        if (c != null && c.isObject()) {
            Map<String, String> custom = new LinkedHashMap<>();
            c.properties().forEach(f -> custom.put(f.getKey(), f.getValue().asText()));
            e.custom = custom;
        }
        e.updated = now;
        return Response.noContent();
    }

    private Response list(String prefix) {
        String p = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        TreeSet<String> keys = new TreeSet<>();
        for (String k : entries.keySet()) {
            if (k.startsWith(p)) {
                String rest = k.substring(p.length());
                int slash = rest.indexOf('/');
                keys.add(slash < 0 ? rest : rest.substring(0, slash + 1));
            }
        }
        if (keys.isEmpty()) {
            throw ApiError.notFound();
        }
        ObjectNode d = Json.object();
        d.set("keys", Json.array(keys));
        return Response.data(d);
    }

    private Response config(Request req) {
        if (req.operation == Operation.READ) {
            ObjectNode d = Json.object();
            d.put("cas_required", mountCasRequired);
            d.put("delete_version_after", Durations.format(mountDeleteAfter));
            d.put("max_versions", mountMaxVersions);
            return Response.data(d);
        }
        if (!req.operation.isWrite()) {
            throw ApiError.unsupportedOperation();
        }
        if (req.data.has("max_versions")) {
            mountMaxVersions = (int) Json.number(req.data, "max_versions", 0);
        }
        if (req.data.has("cas_required")) {
            mountCasRequired = Json.bool(req.data, "cas_required", false);
        }
        if (req.data.has("delete_version_after")) {
            mountDeleteAfter = Durations.field(req.data, "delete_version_after", Duration.ZERO);
        }
        return Response.noContent();
    }
}
