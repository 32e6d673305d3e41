package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RabbitMQ secrets engine: {@code creds/<role>} makes a real user through the broker's management
 * HTTP API, and revoking or expiring its lease deletes that user (which closes its connections).
 */
final class RabbitMqBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqBackend.class);

    private static final class Role {
        String tags = "";
        ObjectNode vhosts = Json.object();
        ObjectNode vhostTopics = Json.object();
    }

    private final EmulatorCore core;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Role> roles = new LinkedHashMap<>();
    private String uri;
    private String username;
    private String password;
    private Duration ttl = Duration.ZERO;
    private Duration maxTtl = Duration.ZERO;

    RabbitMqBackend(EmulatorCore core) {
        this.core = core;
        this.uri = core.rabbitMqDefaultUrl;
    }

    @Override
    public Response handle(Request req) {
        String p = req.subPath;
        Operation op = req.operation;
        if (p.equals("config/connection")) {
            if (!op.isWrite()) {
                throw ApiError.unsupportedOperation();
            }
            return connection(req.data);
        }
        if (p.equals("config/lease")) {
            if (op == Operation.READ) {
                ObjectNode d = Json.object();
                d.put("ttl", ttl.getSeconds());
                d.put("max_ttl", maxTtl.getSeconds());
                return Response.data(d);
            }
            if (!op.isWrite()) {
                throw ApiError.unsupportedOperation();
            }
            ttl = Durations.field(req.data, "ttl", Duration.ZERO);
            maxTtl = Durations.field(req.data, "max_ttl", Duration.ZERO);
            return Response.noContent();
        }
        if ((p.equals("roles") || p.equals("roles/")) && op == Operation.LIST) {
            if (roles.isEmpty()) {
                throw ApiError.notFound();
            }
            ObjectNode d = Json.object();
            d.set("keys", Json.array(new TreeSet<>(roles.keySet())));
            return Response.data(d);
        }
        if (p.startsWith("roles/")) {
            return role(req, p.substring(6));
        }
        if (p.startsWith("creds/")) {
            if (op != Operation.READ) {
                throw ApiError.unsupportedOperation();
            }
            return creds(req, p.substring(6));
        }
        throw ApiError.unsupportedPath(p);
    }

    private Response connection(ObjectNode d) {
        String u = Json.text(d, "connection_uri");
        String user = Json.text(d, "username");
        String pass = Json.text(d, "password");
        if (u.isEmpty()) {
            throw ApiError.badRequest("missing connection_uri");
        }
        if (user.isEmpty()) {
            throw ApiError.badRequest("missing username");
        }
        if (pass.isEmpty()) {
            throw ApiError.badRequest("missing password");
        }
        String base = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        if (Json.bool(d, "verify_connection", true)) {
            int status = call("GET", base, user, pass, "/api/overview", null);
            if (status != 200) {
                throw ApiError.badRequest("error validating connection info: the management API answered HTTP " + status);
            }
        }
        uri = base;
        username = user;
        password = pass;
        return Response.noContent();
    }

    private Response role(Request req, String name) {
        switch (req.operation) {
            case CREATE, UPDATE -> {
                Role r = new Role();
                r.tags = Json.text(req.data, "tags");
                r.vhosts = object(req.data.get("vhosts"), "vhosts");
                r.vhostTopics = object(req.data.get("vhost_topics"), "vhost_topics");
                roles.put(name, r);
                return Response.noContent();
            }
            case READ -> {
                Role r = roles.get(name);
                if (r == null) {
                    throw ApiError.notFound();
                }
                ObjectNode d = Json.object();
                d.put("tags", r.tags);
                d.set("vhosts", r.vhosts);
                d.set("vhost_topics", r.vhostTopics);
                return Response.data(d);
            }
            case DELETE -> {
                roles.remove(name);
                return Response.noContent();
            }
            default -> throw ApiError.unsupportedOperation();
        }
    }

    /** Vault takes vhosts as a JSON string; an object is accepted too. */
    private static ObjectNode object(JsonNode v, String field) {
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            return Json.object();
        }
        if (v.isObject()) {
            return (ObjectNode) v;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(v.asText());
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            // fall through to the error below
        }
        throw ApiError.badRequest("failed to unmarshal " + field + ": not a JSON object");
    }

    private Response creds(Request req, String name) {
        Role role = roles.get(name);
        if (role == null) {
            throw ApiError.badRequest("unknown role: " + name);
        }
        if (username == null) {
            throw ApiError.badRequest("configure the client connection with config/connection first");
        }
        Token caller = req.caller();
        String user = caller.displayName + "-" + UUID.randomUUID();
        String pass = TokenStore.random(24);
        String u = enc(user);
        ObjectNode body = Json.object();
        body.put("password", pass);
        body.put("tags", role.tags);
        int status = call("PUT", uri, username, password, "/api/users/" + u, body);
        if (status / 100 != 2) {
            throw ApiError.of(500, "failed to create a new user with the generated credentials: HTTP " + status);
        }
        try {
            role.vhosts.properties().forEach(v -> put("/api/permissions/" + enc(v.getKey()) + "/" + u, v.getValue()));
            role.vhostTopics.properties().forEach(v -> v.getValue().properties().forEach(
                    ex -> {
                        ObjectNode perm = ((ObjectNode) ex.getValue()).deepCopy();
                        perm.put("exchange", ex.getKey());
                        put("/api/topic-permissions/" + enc(v.getKey()) + "/" + u, perm);
                    }));
        } catch (ApiError e) {
            deleteUser(user);
            throw e;
        }
        Duration leaseTtl = ttl.isZero() ? TokenStore.SYSTEM_MAX_TTL : ttl;
        Duration leaseMax = maxTtl.isZero() ? TokenStore.SYSTEM_MAX_TTL : maxTtl;
        Lease lease = core.leases.create(req.path, leaseTtl, leaseMax, caller, () -> deleteUser(user));
        LOG.info("created RabbitMQ user {} for lease {}", user, lease.id);
        ObjectNode d = Json.object();
        d.put("password", pass);
        d.put("username", user);
        Response r = Response.data(d);
        r.leaseId = lease.id;
        r.renewable = true;
        r.leaseDuration = lease.ttlSeconds(core.clock.now());
        return r;
    }

    private void put(String path, JsonNode perm) {
        int status = call("PUT", uri, username, password, path, perm);
        if (status / 100 != 2) {
            throw ApiError.of(500, "failed to update permissions to the user: HTTP " + status);
        }
    }

    private void deleteUser(String user) {
        int status = call("DELETE", uri, username, password, "/api/users/" + enc(user), null);
        if (status / 100 != 2 && status != 404) {
            throw new IllegalStateException("deleting RabbitMQ user " + user + " answered HTTP " + status);
        }
        LOG.info("deleted RabbitMQ user {}", user);
    }

    private int call(String method, String base, String user, String pass, String path, JsonNode body) {
        String auth = Base64.getEncoder().encodeToString((user + ":" + pass).getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + auth).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw ApiError.of(500, "the RabbitMQ management API at " + base + " is unreachable: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.of(500, "interrupted");
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("invalid connection_uri");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
