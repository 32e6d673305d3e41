package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** {@code sys/}: mounts, auth methods, policies, audit devices and request headers, leases, seal. */
final class SystemBackend implements Backend {

    private final EmulatorCore core;

    SystemBackend(EmulatorCore core) {
        this.core = core;
    }

    @Override
    public Response handle(Request req) {
        String p = req.subPath;
        Operation op = req.operation;
        if (p.equals("mounts") && op == Operation.READ) {
            return listing(core.mounts, false);
        }
        if (p.startsWith("mounts/")) {
            return mount(req, normalise(p.substring(7)), core.mounts, false);
        }
        if (p.equals("auth") && op == Operation.READ) {
            return listing(core.auths, true);
        }
        if (p.startsWith("auth/")) {
            return mount(req, normalise(p.substring(5)), core.auths, true);
        }
        if (p.equals("policies/acl") || p.equals("policies/acl/") || p.equals("policy")) {
            if (op == Operation.LIST || op == Operation.READ) {
                ObjectNode d = Json.object();
                d.set("keys", Json.array(new TreeSet<>(core.policies.keySet())));
                if (p.equals("policy")) {
                    d.set("policies", Json.array(new TreeSet<>(core.policies.keySet())));
                }
                return Response.data(d);
            }
            throw ApiError.unsupportedOperation();
        }
        if (p.startsWith("policies/acl/") || p.startsWith("policy/")) {
            return policy(req, p.substring(p.indexOf('/', p.startsWith("policy/") ? 0 : 9) + 1));
        }
        if (p.equals("audit") && op == Operation.READ) {
            ObjectNode d = Json.object();
            core.audit.devices().forEach((path, dev) -> d.set(path, dev.describe()));
            return legacyListing(d);
        }
        if (p.startsWith("audit/")) {
            return auditDevice(req, normalise(p.substring(6)));
        }
        if (p.startsWith("audit-hash/")) {
            AuditLog.Device dev = core.audit.device(normalise(p.substring(11)))
                    .orElseThrow(() -> ApiError.badRequest("unknown audit backend " + p.substring(11)));
            ObjectNode d = Json.object();
            d.put("hash", dev.hash(Json.text(req.data, "input")));
            return legacyListing(d);
        }
        if (p.equals("config/auditing/request-headers") && op == Operation.READ) {
            ObjectNode headers = Json.object();
            core.audit.headers().forEach((name, hmac) -> headers.putObject(name).put("hmac", hmac));
            ObjectNode d = Json.object();
            d.set("headers", headers);
            return Response.data(d);
        }
        if (p.startsWith("config/auditing/request-headers/")) {
            return requestHeader(req, p.substring("config/auditing/request-headers/".length()));
        }
        if (p.startsWith("leases/") || p.equals("renew") || p.startsWith("renew/") || p.equals("revoke")
                || p.startsWith("revoke/")) {
            return lease(req, p.startsWith("leases/") ? p.substring(7) : p);
        }
        if (p.equals("seal") && op.isWrite()) {
            core.sealed = true;
            return Response.noContent();
        }
        if (p.equals("capabilities-self") && op.isWrite()) {
            return capabilitiesSelf(req);
        }
        throw ApiError.of(404, "1 error occurred:\n\t* unsupported path\n\n");
    }

    private static String normalise(String path) {
        return path.endsWith("/") ? path : path + "/";
    }

    private static Response listing(Map<String, Mount> table, boolean auth) {
        ObjectNode d = Json.object();
        table.forEach((path, m) -> d.set(path, m.describe()));
        return legacyListing(d);
    }

    /** Vault answers these reads with the map both at the top level (legacy) and under "data". */
    private static Response legacyListing(ObjectNode d) {
        Response r = Response.data(d);
        r.topLevel = true;
        return r;
    }

    private Response mount(Request req, String path, Map<String, Mount> table, boolean auth) {
        switch (req.operation) {
            case CREATE, UPDATE -> {
                if (path.equals("sys/") || (!auth && (path.equals("auth/") || path.equals("cubbyhole/")))
                        || (auth && path.equals("token/"))) {
                    throw ApiError.badRequest("cannot mount '" + path + "' of type: reserved path");
                }
                for (String existing : table.keySet()) {
                    if (existing.startsWith(path) || path.startsWith(existing)) {
                        throw ApiError.badRequest("path is already in use at " + existing);
                    }
                }
                String type = Json.text(req.data, "type");
                if (type.isEmpty()) {
                    throw ApiError.badRequest("backend type must be specified as a string");
                }
                JsonNode options = req.data.get("options");
                ObjectNode opts = options instanceof ObjectNode o ? o : Json.object();
                if (type.equals("kv-v2")) {
                    type = "kv";
                    opts.put("version", "2");
                }
                Backend b = core.backendFor(type, auth, opts);
                table.put(path, new Mount(path, type, Json.text(req.data, "description"), opts, auth, b));
                return Response.noContent();
            }
            case DELETE -> {
                Mount m = table.remove(path);
                if (m != null) {
                    // As Vault does: disabling an engine revokes its leases, an auth method its tokens.
                    if (auth) {
                        core.tokens.revokeIssuedUnder(m.routePrefix());
                    } else {
                        core.leases.revokePrefix(m.routePrefix());
                    }
                    m.backend.unmounted();
                }
                return Response.noContent();
            }
            case READ -> {
                Mount m = table.get(path);
                if (m == null) {
                    throw ApiError.badRequest("No " + (auth ? "auth" : "secret") + " engine mount at " + path);
                }
                return Response.data(m.describe());
            }
            default -> throw ApiError.unsupportedOperation();
        }
    }

    private Response policy(Request req, String name) {
        name = name.toLowerCase(Locale.ROOT);
        switch (req.operation) {
            case READ -> {
                Policy p = core.policies.get(name);
                if (p == null) {
                    throw ApiError.notFound();
                }
                ObjectNode d = Json.object();
                d.put("name", p.name);
                d.put("policy", p.text);
                if (req.subPath.startsWith("policy/")) {
                    d.put("rules", p.text);
                }
                return Response.data(d);
            }
            case CREATE, UPDATE -> {
                if (name.equals("root")) {
                    throw ApiError.badRequest("cannot update \"root\" policy");
                }
                String text = req.data.has("policy") ? Json.text(req.data, "policy") : Json.text(req.data, "rules");
                if (text.isBlank()) {
                    throw ApiError.badRequest("'policy' parameter not supplied or empty");
                }
                core.policies.put(name, Policy.parse(name, text));
                return Response.noContent();
            }
            case DELETE -> {
                if (name.equals("root") || name.equals("default")) {
                    throw ApiError.badRequest("cannot delete \"" + name + "\" policy");
                }
                core.policies.remove(name);
                return Response.noContent();
            }
            default -> throw ApiError.unsupportedOperation();
        }
    }

    private Response auditDevice(Request req, String path) {
        switch (req.operation) {
            case CREATE, UPDATE -> {
                if (core.audit.device(path).isPresent()) {
                    throw ApiError.badRequest("path already in use");
                }
                String type = Json.text(req.data, "type");
                if (!type.equals("file")) {
                    throw ApiError.badRequest("unknown backend type: \"" + type + "\" (the emulator has the file device only)");
                }
                JsonNode options = req.data.get("options");
                ObjectNode opts = options instanceof ObjectNode o ? o : Json.object();
                String file = opts.has("file_path") ? Json.text(opts, "file_path") : Json.text(opts, "path");
                if (file.isEmpty()) {
                    throw ApiError.badRequest("file_path is required");
                }
                try {
                    core.audit.enable(path, Json.text(req.data, "description"), file, opts);
                } catch (IOException e) {
                    throw ApiError.badRequest("sanity check failed; unable to open \"" + file + "\" for writing");
                }
                return Response.noContent();
            }
            case DELETE -> {
                core.audit.disable(path);
                return Response.noContent();
            }
            default -> throw ApiError.unsupportedOperation();
        }
    }

    private Response requestHeader(Request req, String name) {
        String key = name.toLowerCase(Locale.ROOT);
        switch (req.operation) {
            case CREATE, UPDATE -> {
                core.audit.headers().put(key, Json.bool(req.data, "hmac", false));
                return Response.noContent();
            }
            case READ -> {
                Boolean hmac = core.audit.headers().get(key);
                if (hmac == null) {
                    throw ApiError.notFound();
                }
                ObjectNode d = Json.object();
                d.putObject(name).put("hmac", hmac);
                return Response.data(d);
            }
            case DELETE -> {
                core.audit.headers().remove(key);
                return Response.noContent();
            }
            default -> throw ApiError.unsupportedOperation();
        }
    }

    private Response lease(Request req, String p) {
        String action = p.contains("/") ? p.substring(0, p.indexOf('/')) : p;
        String urlId = p.contains("/") ? p.substring(p.indexOf('/') + 1) : "";
        String id = urlId.isEmpty() ? Json.text(req.data, "lease_id") : urlId;
        if (!req.operation.isWrite()) {
            if (action.equals("lookup") && req.operation == Operation.LIST) {
                throw ApiError.unsupportedOperation();
            }
            throw ApiError.unsupportedOperation();
        }
        switch (action) {
            case "lookup" -> {
                if (id.isEmpty()) {
                    throw ApiError.badRequest("missing lease id");
                }
                return Response.data(core.leases.lookupData(core.leases.find(id)
                        .orElseThrow(() -> ApiError.badRequest("invalid lease"))));
            }
            case "renew" -> {
                if (id.isEmpty()) {
                    throw ApiError.badRequest("lease_id must be specified");
                }
                Lease l = core.leases.require(id);
                Duration increment = Durations.field(req.data, "increment", Duration.ZERO);
                core.leases.renew(l, increment);
                Response r = Response.data(null);
                r.leaseId = l.id;
                r.renewable = true;
                r.leaseDuration = l.ttlSeconds(core.clock.now());
                return r;
            }
            case "revoke" -> {
                if (id.isEmpty()) {
                    throw ApiError.badRequest("lease_id must be specified");
                }
                core.leases.find(id).ifPresent(core.leases::revoke);
                return Response.noContent();
            }
            case "revoke-prefix", "revoke-force" -> {
                core.leases.revokePrefix(urlId);
                return Response.noContent();
            }
            default -> throw ApiError.of(404, "1 error occurred:\n\t* unsupported path\n\n");
        }
    }

    private Response capabilitiesSelf(Request req) {
        Token t = req.caller();
        List<String> paths = Json.strings(req.data, "paths");
        if (paths.isEmpty()) {
            paths = Json.strings(req.data, "path");
        }
        List<Policy> ps = new ArrayList<>();
        t.policies.forEach(n -> {
            Policy p = core.policies.get(n);
            if (p != null) {
                ps.add(p);
            }
        });
        Acl acl = new Acl(ps);
        ObjectNode d = Json.object();
        Set<String> all = new TreeSet<>();
        for (String path : paths) {
            Set<String> caps = t.isRoot() ? Set.of("root") : acl.capabilities(path);
            Set<String> shown = caps.isEmpty() ? Set.of("deny") : new TreeSet<>(caps);
            d.set(path, Json.array(shown));
            all.addAll(shown);
        }
        if (paths.size() == 1) {
            d.set("capabilities", Json.array(all));
        }
        return legacyListing(d);
    }

    ObjectNode sealStatus() {
        ObjectNode s = Json.object();
        s.put("type", "shamir");
        s.put("initialized", true);
        s.put("sealed", core.sealed);
        s.put("t", 1);
        s.put("n", 1);
        s.put("progress", 0);
        s.put("nonce", "");
        s.put("version", EmulatorCore.VERSION);
        s.put("build_date", "2024-01-01T00:00:00Z");
        s.put("migration", false);
        if (!core.sealed) {
            s.put("cluster_name", core.clusterName);
            s.put("cluster_id", core.clusterId);
        }
        s.put("recovery_seal", false);
        s.put("storage_type", "inmem");
        return s;
    }
}
