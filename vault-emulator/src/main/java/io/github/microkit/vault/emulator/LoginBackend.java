package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the login auth methods (AppRole, Kubernetes) share: a {@code login} path that needs no token and takes
 * only writes, named roles listed at {@code role/} and written, read and deleted at {@code role/<name>}, each
 * role with the token_* settings of the token its login issues. A subclass checks a login's credentials and
 * reads and describes the fields of its own roles.
 *
 * @param <R> the method's role
 */
abstract class LoginBackend<R extends LoginBackend.Role> implements Backend {

    /** A role's token_* settings; the method's own fields are in a subclass. */
    static class Role {
        final TokenSettings token = new TokenSettings();
    }

    final EmulatorCore core;
    final Map<String, R> roles = new LinkedHashMap<>();

    LoginBackend(EmulatorCore core) {
        this.core = core;
    }

    @Override
    public final boolean unauthenticated(String subPath) {
        return subPath.equals("login");
    }

    @Override
    public final Response handle(Request req) {
        String p = req.subPath;
        if (p.equals("login")) {
            if (!req.operation.isWrite()) {
                throw ApiError.unsupportedOperation();
            }
            return login(req);
        }
        if ((p.equals("role") || p.equals("role/")) && req.operation == Operation.LIST) {
            if (roles.isEmpty()) {
                throw ApiError.notFound();
            }
            ObjectNode d = Json.object();
            d.set("keys", Json.array(new TreeSet<>(roles.keySet())));
            return Response.data(d);
        }
        return handleOther(req);
    }

    /** A login (always a write): its credentials checked, then {@link #issue}; an {@link ApiError} otherwise. */
    abstract Response login(Request req);

    /** Every path but {@code login} and the role list; {@code role/<name>} goes to {@link #role}. */
    abstract Response handleOther(Request req);

    abstract R newRole(String name);

    /**
     * The method's own fields of a role write, before the token_* ones; throws an {@link ApiError} (removing the
     * role first where Vault does) when they are not valid.
     */
    abstract void writeRole(String name, R role, ObjectNode data);

    /** The method's own fields of a role read, before the token_* ones. */
    abstract void describeRole(R role, ObjectNode d);

    /** {@code role/<name>}: create or update, read, delete. */
    final Response role(Request req, String name) {
        switch (req.operation) {
            case CREATE, UPDATE -> {
                R r = roles.computeIfAbsent(name, this::newRole);
                writeRole(name, r, req.data);
                r.token.update(req.data);
                return Response.noContent();
            }
            case READ -> {
                R r = roles.get(name);
                if (r == null) {
                    throw ApiError.notFound();
                }
                ObjectNode d = Json.object();
                describeRole(r, d);
                r.token.describe(d);
                return Response.data(d);
            }
            case DELETE -> {
                roles.remove(name);
                return Response.noContent();
            }
            default -> throw ApiError.unsupportedOperation();
        }
    }

    /** The answer to a login that passed: a token under the role's token_* settings, made by this mount's login. */
    final Response issue(R role, Request req, Map<String, String> meta, String displayName, Instant now) {
        Token t = role.token.issue(core, meta, displayName, "auth/" + req.mount.path + "login");
        return Response.auth(t.authBlock(now));
    }
}
