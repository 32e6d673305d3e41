package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** AppRole: roles, role ids, secret ids, and login. */
final class AppRoleBackend extends LoginBackend<AppRoleBackend.Role> {

    static final class Role extends LoginBackend.Role {
        final String name;
        String roleId = UUID.randomUUID().toString();
        boolean bindSecretId = true;
        Duration secretIdTtl = Duration.ZERO;
        long secretIdNumUses;
        final Map<String, SecretId> secretIds = new LinkedHashMap<>();

        Role(String name) {
            this.name = name;
        }
    }

    private static final class SecretId {
        final String accessor = UUID.randomUUID().toString();
        final Instant created;
        final Optional<Instant> expiry;
        long usesLeft;

        SecretId(Instant created, Duration ttl, long uses) {
            this.created = created;
            this.expiry = ttl.isZero() ? Optional.empty() : Optional.of(created.plus(ttl));
            this.usesLeft = uses;
        }
    }

    AppRoleBackend(EmulatorCore core) {
        super(core);
    }

    @Override
    Response handleOther(Request req) {
        String p = req.subPath;
        if (!p.startsWith("role/")) {
            throw ApiError.unsupportedPath(p);
        }
        String[] parts = p.substring(5).split("/", 2);
        String name = parts[0].toLowerCase(java.util.Locale.ROOT);
        String rest = parts.length > 1 ? parts[1] : "";
        if (rest.isEmpty()) {
            return role(req, name);
        }
        Role role = roles.get(name);
        if (role == null) {
            throw ApiError.badRequest("role \"" + name + "\" does not exist");
        }
        switch (rest) {
            case "role-id" -> {
                if (req.operation.isWrite()) {
                    String id = Json.text(req.data, "role_id");
                    if (id.isEmpty()) {
                        throw ApiError.badRequest("missing role_id");
                    }
                    role.roleId = id;
                    return Response.noContent();
                }
                ObjectNode d = Json.object();
                d.put("role_id", role.roleId);
                return Response.data(d);
            }
            case "secret-id", "custom-secret-id" -> {
                if (req.operation == Operation.LIST) {
                    ObjectNode d = Json.object();
                    d.set("keys", Json.array(role.secretIds.values().stream().map(s -> s.accessor).toList()));
                    return Response.data(d);
                }
                if (!req.operation.isWrite()) {
                    throw ApiError.unsupportedOperation();
                }
                String id = rest.equals("custom-secret-id") ? Json.text(req.data, "secret_id")
                        : UUID.randomUUID().toString();
                if (id.isEmpty()) {
                    throw ApiError.badRequest("missing secret_id");
                }
                Duration ttl = Durations.field(req.data, "ttl", role.secretIdTtl);
                long uses = Json.number(req.data, "num_uses", role.secretIdNumUses);
                SecretId s = new SecretId(core.clock.now(), ttl, uses);
                role.secretIds.put(id, s);
                ObjectNode d = Json.object();
                d.put("secret_id", id);
                d.put("secret_id_accessor", s.accessor);
                d.put("secret_id_num_uses", uses);
                d.put("secret_id_ttl", ttl.getSeconds());
                return Response.data(d);
            }
            default -> throw ApiError.unsupportedPath(p);
        }
    }

    @Override
    Role newRole(String name) {
        return new Role(name);
    }

    @Override
    void writeRole(String name, Role r, ObjectNode data) {
        if (data.has("role_id")) {
            r.roleId = Json.text(data, "role_id");
        }
        r.bindSecretId = Json.bool(data, "bind_secret_id", r.bindSecretId);
        if (data.has("secret_id_ttl")) {
            r.secretIdTtl = Durations.field(data, "secret_id_ttl", Duration.ZERO);
        }
        r.secretIdNumUses = Json.number(data, "secret_id_num_uses", r.secretIdNumUses);
    }

    @Override
    void describeRole(Role r, ObjectNode d) {
        d.put("bind_secret_id", r.bindSecretId);
        d.put("local_secret_ids", false);
        d.putNull("secret_id_bound_cidrs");
        d.put("secret_id_num_uses", r.secretIdNumUses);
        d.put("secret_id_ttl", r.secretIdTtl.getSeconds());
    }

    @Override
    Response login(Request req) {
        String roleId = Json.text(req.data, "role_id");
        if (roleId.isEmpty()) {
            throw ApiError.badRequest("missing role_id");
        }
        Role role = roles.values().stream().filter(r -> r.roleId.equals(roleId)).findFirst()
                .orElseThrow(() -> ApiError.badRequest("invalid role or secret ID"));
        if (role.bindSecretId) {
            String secretId = Json.text(req.data, "secret_id");
            if (secretId.isEmpty()) {
                throw ApiError.badRequest("missing secret_id");
            }
            SecretId s = role.secretIds.get(secretId);
            Instant now = core.clock.now();
            if (s == null || s.expiry.map(e -> !now.isBefore(e)).orElse(false)) {
                if (s != null) {
                    role.secretIds.remove(secretId);
                }
                throw ApiError.badRequest("invalid role or secret ID");
            }
            if (s.usesLeft > 0 && --s.usesLeft == 0) {
                role.secretIds.remove(secretId);
            }
        }
        Map<String, String> meta = Map.of("role_name", role.name);
        return issue(role, req, meta, "approle", core.clock.now());
    }
}
