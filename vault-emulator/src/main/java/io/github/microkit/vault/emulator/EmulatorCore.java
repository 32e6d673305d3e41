package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emulated Vault: routing to mounts, token and ACL checks, the response envelope, audit.
 * One lock serialises requests: the emulator is for development and tests, where a simple,
 * obviously consistent state beats throughput.
 */
final class EmulatorCore {

    private static final Logger LOG = LoggerFactory.getLogger(EmulatorCore.class);
    static final String VERSION = "1.15.6";

    /** One HTTP answer. */
    record Answer(int status, byte[] body) {
    }

    final EmulatorClock clock;
    final String rootTokenId;
    final String clusterName = "vault-emulator";
    final String clusterId = UUID.randomUUID().toString();
    final String rabbitMqDefaultUrl;
    final ReentrantLock lock = new ReentrantLock();
    final TokenStore tokens;
    final LeaseStore leases;
    final AuditLog audit;
    final Map<String, Policy> policies = new LinkedHashMap<>();
    /** Secrets engines by path ("secret/") and auth methods by path ("approle/"). */
    final Map<String, Mount> mounts = new LinkedHashMap<>();
    final Map<String, Mount> auths = new LinkedHashMap<>();
    private final Mount system;
    volatile boolean sealed;
    volatile boolean standby;

    EmulatorCore(EmulatorClock clock, String rootTokenId, String rabbitMqDefaultUrl) {
        this.clock = clock;
        this.rootTokenId = rootTokenId;
        this.rabbitMqDefaultUrl = rabbitMqDefaultUrl;
        this.leases = new LeaseStore(clock);
        this.tokens = new TokenStore(clock, leases::revokeOwnedBy);
        this.audit = new AuditLog(clock);
        tokens.createRoot(rootTokenId);
        policies.put("default", Policy.defaultPolicy());
        system = new Mount("sys/", "system", "system endpoints used for control, policy and debugging", null,
                false, new SystemBackend(this));
        auths.put("token/", new Mount("token/", "token", "token based credentials", null, true,
                new TokenBackend(this)));
    }

    /** Creates the engine or auth method of this type; Vault's error when it does not exist. */
    Backend backendFor(String type, boolean auth, ObjectNode options) {
        if (auth) {
            return switch (type) {
                case "approle" -> new AppRoleBackend(this);
                case "kubernetes" -> new KubernetesBackend(this);
                default -> throw ApiError.badRequest("plugin not found in the catalog: " + type);
            };
        }
        return switch (type) {
            case "kv", "kv-v2" -> {
                String version = options == null ? "1" : Json.text(options, "version");
                if (!type.equals("kv-v2") && !version.equals("2")) {
                    throw ApiError.badRequest("the Vault emulator only emulates kv version 2 (options.version \"2\")");
                }
                yield new KvV2Backend(this);
            }
            case "rabbitmq" -> new RabbitMqBackend(this);
            default -> throw ApiError.badRequest("plugin not found in the catalog: " + type);
        };
    }

    /** Mounts a secrets engine as the dev server does at start (no request, no audit). */
    void mountDirect(String path, String type, String description, ObjectNode options) {
        mounts.put(path, new Mount(path, type, description, options, false, backendFor(type, false, options)));
    }

    void expire() {
        lock.lock();
        try {
            tokens.expire();
            leases.expire();
        } finally {
            lock.unlock();
        }
    }

    Answer handle(String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body,
                  String remoteAddress, int remotePort) {
        if (!rawPath.startsWith("/v1/")) {
            return error(ApiError.notFound());
        }
        String path = rawPath.substring(4);
        Map<String, String> query = query(rawQuery);
        if (path.equals("sys/health")) {
            return health(method, query);
        }
        if (path.equals("sys/unseal") && (method.equals("PUT") || method.equals("POST"))) {
            // There are no unseal keys to check: any non-empty key unseals (an emulator, not a secret store).
            ObjectNode d;
            try {
                d = Json.parseObject(body);
            } catch (ApiError e) {
                return error(e);
            }
            if (!Json.bool(d, "reset", false)) {
                if (Json.text(d, "key").isEmpty()) {
                    return error(ApiError.badRequest("'key' must be specified in request body as JSON, or 'reset' set to true"));
                }
                sealed = false;
            }
            return answer(Response.raw(200, ((SystemBackend) system.backend).sealStatus()), null, null);
        }
        if (path.equals("sys/seal-status")) {
            return answer(Response.raw(200, ((SystemBackend) system.backend).sealStatus()), null, null);
        }
        lock.lock();
        try {
            if (sealed) {
                return error(ApiError.of(503, "Vault is sealed"));
            }
            return dispatch(method, path, query, headers, body, remoteAddress, remotePort);
        } finally {
            lock.unlock();
        }
    }

    private Answer dispatch(String method, String path, Map<String, String> query, Map<String, List<String>> headers,
                            byte[] body, String remoteAddress, int remotePort) {
        Operation op;
        ObjectNode data;
        switch (method.toUpperCase(Locale.ROOT)) {
            case "GET", "HEAD" -> {
                op = "true".equals(query.get("list")) ? Operation.LIST : Operation.READ;
                data = queryData(query);
            }
            case "LIST" -> {
                op = Operation.LIST;
                data = queryData(query);
            }
            case "DELETE" -> {
                op = Operation.DELETE;
                data = queryData(query);
            }
            case "POST", "PUT" -> {
                op = Operation.UPDATE;
                try {
                    data = Json.parseObject(body);
                } catch (ApiError e) {
                    return error(e);
                }
            }
            case "PATCH" -> {
                op = Operation.PATCH;
                try {
                    data = Json.parseObject(body);
                } catch (ApiError e) {
                    return error(e);
                }
            }
            default -> {
                return error(ApiError.of(405, "unsupported method " + method));
            }
        }
        Request req = new Request(UUID.randomUUID().toString(), method, path, op, data, headers, remoteAddress,
                remotePort);
        Optional<Mount> route = route(path);
        if (route.isEmpty()) {
            return error(ApiError.of(404, "no handler for route \"" + path + "\". route entry not found."));
        }
        req.mount = route.get();
        req.subPath = path.substring(Math.min(path.length(), req.mount.routePrefix().length()));
        tokenOf(headers).flatMap(tokens::lookup).ifPresent(t -> req.token = t);
        Optional<Token> newToken = Optional.empty();
        try {
            if (op == Operation.UPDATE) {
                req.operation = req.mount.backend.exists(req).map(e -> e ? Operation.UPDATE : Operation.CREATE)
                        .orElse(Operation.UPDATE);
            }
            if (!req.mount.backend.unauthenticated(req.subPath)) {
                checkAccess(req);
            }
            audit.request(req, Optional.empty());
            Response res = req.mount.backend.handle(req);
            if (res.auth != null) {
                newToken = tokens.lookup(res.auth.get("client_token").asText());
            }
            audit.response(req, Optional.of(res), newToken, Optional.empty());
            return answer(res, req, req.mount);
        } catch (ApiError e) {
            String message = e.errors().isEmpty() ? "" : e.errors().get(0);
            if (e.status() == 403) {
                audit.request(req, Optional.of(message));
            }
            audit.response(req, Optional.empty(), Optional.empty(), Optional.of(message));
            return error(e);
        } catch (RuntimeException e) {
            // Our bug, not the caller's: say so without echoing anything of the request.
            LOG.error("internal error on {} {}", method, path, e);
            audit.response(req, Optional.empty(), Optional.empty(), Optional.of("internal error"));
            return error(ApiError.of(500, "1 error occurred:\n\t* internal error\n\n"));
        }
    }

    private void checkAccess(Request req) {
        Token t = req.token().orElseThrow(ApiError::permissionDenied);
        if (t.isRoot()) {
            return;
        }
        List<Policy> ps = new ArrayList<>();
        for (String name : t.policies) {
            Policy p = policies.get(name);
            if (p != null) {
                ps.add(p);
            }
        }
        if (!new Acl(ps).allows(req.path, req.operation, needsSudo(req.path))) {
            throw ApiError.permissionDenied();
        }
    }

    /** The root-protected paths among those emulated. */
    static boolean needsSudo(String path) {
        return path.startsWith("sys/audit") || path.startsWith("sys/config/auditing")
                || path.startsWith("sys/auth/") || path.equals("sys/seal") || path.startsWith("sys/leases/revoke-prefix")
                || path.startsWith("sys/leases/revoke-force") || path.startsWith("auth/token/revoke-orphan")
                || path.equals("auth/token/create-orphan");
    }

    private Optional<Mount> route(String path) {
        if (path.startsWith("sys/")) {
            return Optional.of(system);
        }
        if (path.startsWith("auth/")) {
            return longest(auths, path.substring(5));
        }
        return longest(mounts, path.endsWith("/") ? path : path + "/");
    }

    private static Optional<Mount> longest(Map<String, Mount> table, String path) {
        Mount best = null;
        for (Mount m : table.values()) {
            if ((path.startsWith(m.path) || (path + "/").equals(m.path))
                    && (best == null || m.path.length() > best.path.length())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    static Optional<String> tokenOf(Map<String, List<String>> headers) {
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            if (h.getValue().isEmpty()) {
                continue;
            }
            String name = h.getKey().toLowerCase(Locale.ROOT);
            String v = h.getValue().get(0).trim();
            if (name.equals("x-vault-token") && !v.isEmpty()) {
                return Optional.of(v);
            }
            if (name.equals("authorization") && v.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Optional.of(v.substring(7).trim());
            }
        }
        return Optional.empty();
    }

    private Answer health(String method, Map<String, String> q) {
        ObjectNode b = Json.object();
        b.put("initialized", true);
        b.put("sealed", sealed);
        b.put("standby", !sealed && standby);
        b.put("performance_standby", false);
        b.put("replication_performance_mode", "disabled");
        b.put("replication_dr_mode", "disabled");
        b.put("server_time_utc", clock.now().getEpochSecond());
        b.put("version", VERSION);
        b.put("enterprise", false);
        if (!sealed) {
            b.put("cluster_name", clusterName);
            b.put("cluster_id", clusterId);
        }
        b.put("echo_duration_ms", 0);
        b.put("clock_skew_ms", 0);
        b.put("replication_primary_canary_age_ms", 0);
        int status;
        try {
            // Every code is parsed first, as Vault does: a malformed one is a 400 whatever the state.
            int active = code(q, "activecode", 200);
            int standbyCode = code(q, "standbycode", 429);
            int sealedCode = code(q, "sealedcode", 503);
            code(q, "uninitcode", 501);
            code(q, "drsecondarycode", 472);
            code(q, "performancestandbycode", 473);
            if (sealed) {
                status = sealedCode;
            } else if (standby) {
                status = "true".equals(q.get("standbyok")) ? active : standbyCode;
            } else {
                status = active;
            }
        } catch (ApiError e) {
            return error(e);
        }
        if (method.equalsIgnoreCase("HEAD")) {
            return new Answer(status, null);
        }
        return new Answer(status, Json.bytes(b));
    }

    private static int code(Map<String, String> q, String name, int fallback) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            int c = Integer.parseInt(v);
            if (c < 100 || c > 599) {
                throw new NumberFormatException();
            }
            return c;
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("unable to parse " + name + " value: invalid status code");
        }
    }

    /** Vault's response envelope around a handler's answer. */
    Answer answer(Response res, Request req, Mount mount) {
        if (res.noContent) {
            return new Answer(204, null);
        }
        if (res.raw != null) {
            return new Answer(res.status, Json.bytes(res.raw));
        }
        ObjectNode b = Json.object();
        if (res.topLevel && res.data instanceof ObjectNode d) {
            b.setAll(d);
        }
        b.put("request_id", req == null ? UUID.randomUUID().toString() : req.id);
        b.put("lease_id", res.leaseId);
        b.put("renewable", res.renewable);
        b.put("lease_duration", res.leaseDuration);
        if (res.data == null) {
            b.putNull("data");
        } else {
            b.set("data", res.data);
        }
        b.putNull("wrap_info");
        if (res.warnings.isEmpty()) {
            b.putNull("warnings");
        } else {
            b.set("warnings", Json.array(res.warnings));
        }
        if (res.auth == null) {
            b.putNull("auth");
        } else {
            b.set("auth", res.auth);
        }
        b.put("mount_type", mount == null ? "" : mount.type);
        return new Answer(res.status, Json.bytes(b));
    }

    static Answer error(ApiError e) {
        ObjectNode b = Json.object();
        b.set("errors", Json.array(e.errors()));
        return new Answer(e.status(), Json.bytes(b));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return q;
    }

    private static ObjectNode queryData(Map<String, String> q) {
        ObjectNode d = Json.object();
        q.forEach((k, v) -> {
            if (!k.equals("list")) {
                d.put(k, v);
            }
        });
        return d;
    }

    void close() {
        lock.lock();
        try {
            leases.revokeAll();
            audit.close();
        } finally {
            lock.unlock();
        }
    }
}
