package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@code auth/token/}: create, lookup, renew and revoke tokens (self and by id or accessor). */
final class TokenBackend implements Backend {

    private final EmulatorCore core;

    TokenBackend(EmulatorCore core) {
        this.core = core;
    }

    @Override
    public Response handle(Request req) {
        String p = req.subPath;
        Operation op = req.operation;
        Token caller = req.caller();
        return switch (p) {
            case "create", "create-orphan" -> {
                requireWrite(op);
                yield create(req, caller, p.equals("create-orphan"));
            }
            case "lookup-self" -> Response.data(caller.lookupData(core.clock.now()));
            case "lookup" -> Response.data(byId(req).lookupData(core.clock.now()));
            case "lookup-accessor" -> {
                requireWrite(op);
                var d = byAccessor(req).lookupData(core.clock.now());
                d.put("id", "");
                yield Response.data(d);
            }
            case "renew-self" -> {
                requireWrite(op);
                yield renew(caller, req);
            }
            case "renew" -> {
                requireWrite(op);
                yield renew(byId(req), req);
            }
            case "renew-accessor" -> {
                requireWrite(op);
                yield renew(byAccessor(req), req);
            }
            case "revoke-self" -> {
                requireWrite(op);
                core.tokens.revoke(caller);
                yield Response.noContent();
            }
            case "revoke" -> {
                requireWrite(op);
                core.tokens.lookup(Json.text(req.data, "token")).ifPresent(core.tokens::revoke);
                yield Response.noContent();
            }
            case "revoke-accessor" -> {
                requireWrite(op);
                core.tokens.lookupByAccessor(Json.text(req.data, "accessor")).ifPresent(core.tokens::revoke);
                yield Response.noContent();
            }
            default -> throw ApiError.unsupportedPath(p);
        };
    }

    private static void requireWrite(Operation op) {
        if (!op.isWrite()) {
            throw ApiError.unsupportedOperation();
        }
    }

    private Token byId(Request req) {
        String id = Json.text(req.data, "token");
        if (id.isEmpty()) {
            throw ApiError.badRequest("missing token to look up");
        }
        return core.tokens.lookup(id).orElseThrow(() -> ApiError.of(403, "bad token"));
    }

    private Token byAccessor(Request req) {
        String a = Json.text(req.data, "accessor");
        if (a.isEmpty()) {
            throw ApiError.badRequest("missing accessor");
        }
        return core.tokens.lookupByAccessor(a).orElseThrow(() -> ApiError.badRequest("invalid accessor"));
    }

    private Response renew(Token t, Request req) {
        Duration increment = Durations.field(req.data, "increment", Duration.ZERO);
        Optional<String> warning = core.tokens.renew(t, increment);
        Response r = Response.auth(t.authBlock(core.clock.now()));
        warning.ifPresent(r::warning);
        return r;
    }

    private Response create(Request req, Token parent, boolean orphanPath) {
        List<String> policies = Json.strings(req.data, "policies");
        boolean root = parent.isRoot();
        if (policies.isEmpty()) {
            policies = parent.policies.stream().filter(p -> !p.equals("default")).toList();
        } else if (!root) {
            for (String p : policies) {
                if (!p.equals("default") && !parent.policies.contains(p)) {
                    throw ApiError.badRequest("child policies must be subset of parent");
                }
            }
        }
        if (policies.contains("root") && !root) {
            throw ApiError.badRequest("root tokens may not be created by a non-root token");
        }
        boolean orphan = orphanPath || Json.bool(req.data, "no_parent", false);
        if (orphan && !orphanPath && !root) {
            throw ApiError.badRequest("root or sudo privileges required to create orphan token");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode m = req.data.get("meta");
        if (m != null && m.isObject()) {
            m.properties().forEach(f -> meta.put(f.getKey(), f.getValue().asText()));
        }
        String name = Json.text(req.data, "display_name").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        String displayName = name.isEmpty() ? "token" : name.startsWith("token") ? name : "token-" + name;
        Duration ttl = Durations.field(req.data, "ttl", Duration.ZERO);
        Duration explicitMax = Durations.field(req.data, "explicit_max_ttl", Duration.ZERO);
        // A child never outlives its parent in Vault; the max TTL follows the parent's hard end.
        Duration max = parent.maxExpiry.map(e -> Duration.between(core.clock.now(), e)).orElse(Duration.ZERO);
        if (policies.contains("root")) {
            Token t = core.tokens.create(List.of("root"), true, meta, displayName, "auth/token/create", ttl,
                    Duration.ZERO, explicitMax, Json.bool(req.data, "renewable", true),
                    orphan ? Optional.empty() : Optional.of(parent.id));
            return Response.auth(t.authBlock(core.clock.now()));
        }
        Token t = core.tokens.create(policies, Json.bool(req.data, "no_default_policy", false), meta, displayName,
                "auth/token/create", ttl, max, explicitMax, Json.bool(req.data, "renewable", true),
                orphan ? Optional.empty() : Optional.of(parent.id));
        return Response.auth(t.authBlock(core.clock.now()));
    }
}
