package io.github.microkit.secrets;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microkit.testing.vault.VaultEmulatorExtension;
import io.github.microkit.vault.emulator.EmulatorClock;
import io.github.microkit.vault.emulator.VaultEmulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The setup a contract test needs on top of {@link VaultEmulatorExtension}, which picks the Vault (the
 * emulator by default, a real Vault when {@code VAULT_ADDR} and {@code VAULT_TOKEN} are set): mounts, auth
 * methods, AppRole roles, tokens with a max TTL, and any other call with the root token, through Vault's HTTP
 * API so the same calls serve both. What only the emulator can do (move time, seal without unseal keys) is
 * guarded by {@link #requireEmulator(String)}, which skips the test on a real Vault. On a real Vault what
 * was created is removed again by {@link #close()}; the emulator is stopped by the extension.
 */
final class VaultTarget implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final VaultEmulator emulator;
    private final URI address;
    private final String rootToken;
    private final List<String> cleanup = new ArrayList<>();

    private VaultTarget(VaultEmulatorExtension extension) {
        this.emulator = extension.emulator().orElse(null);
        this.address = extension.address();
        this.rootToken = extension.rootToken();
    }

    /** Over a started extension (register it on a static field: it starts before {@code @BeforeAll}). */
    static VaultTarget of(VaultEmulatorExtension extension) {
        return new VaultTarget(extension);
    }

    boolean emulated() {
        return emulator != null;
    }

    void requireEmulator(String why) {
        assumeTrue(emulated(), "needs the emulator: " + why);
    }

    URI address() {
        return address;
    }

    Secret rootToken() {
        return Secret.of("root-token", rootToken);
    }

    VaultEmulator emulator() {
        requireEmulator("direct control of the server");
        return emulator;
    }

    /** The clock Vault's TTLs run on, for the client to share (the system clock for a real Vault). */
    Clock clock() {
        if (emulator == null) {
            return Clock.systemUTC();
        }
        EmulatorClock c = emulator.clock();
        return new Clock() {
            @Override
            public Instant instant() {
                return c.now();
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }
        };
    }

    void advance(Duration d) {
        emulator().clock().advance(d);
    }

    record Reply(int status, JsonNode body) {
    }

    /** A call with the root token; fails the test on anything but 2xx unless {@code tolerate} lists it. */
    Reply root(String method, String path, Object body, int... tolerate) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
                    .header("X-Vault-Token", rootToken).header("X-Vault-Request", "true");
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode parsed = r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
            boolean ok = r.statusCode() / 100 == 2;
            for (int t : tolerate) {
                ok |= r.statusCode() == t;
            }
            if (!ok) {
                throw new AssertionError("setup call " + method + " " + path + " answered " + r.statusCode() + ": "
                        + parsed.path("errors"));
            }
            return new Reply(r.statusCode(), parsed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A fresh KV v2 mount, removed again on close. */
    /**
     * Mounts a RabbitMQ secrets engine of the test's own, pointed at the local broker's management API, with
     * leases of 1 h (max 3 h) and one role with full rights on vhost {@code /}; returns the mount.
     */
    String rabbitEngine(String prefix, String role) {
        String engine = unique(prefix);
        root("POST", "sys/mounts/" + engine, Map.of("type", "rabbitmq"));
        root("POST", engine + "/config/connection", Map.of("connection_uri", "http://127.0.0.1:15672",
                "username", "guest", "password", "guest"));
        root("POST", engine + "/config/lease", Map.of("ttl", 3600, "max_ttl", 10800));
        root("POST", engine + "/roles/" + role, Map.of("vhosts",
                "{\"/\":{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}}"));
        return engine;
    }

    String kvMount() {
        String mount = unique("mk-kv");
        root("POST", "sys/mounts/" + mount, Map.of("type", "kv", "options", Map.of("version", "2")));
        cleanup.add("sys/mounts/" + mount);
        return mount;
    }

    /** A fresh KV v2 mount two segments deep ({@code team/kv}-like), removed again on close. */
    String nestedKvMount() {
        String mount = unique("mk-team") + "/kv";
        root("POST", "sys/mounts/" + mount, Map.of("type", "kv", "options", Map.of("version", "2")));
        cleanup.add("sys/mounts/" + mount);
        return mount;
    }

    /** An ACL policy, removed again on close. */
    String policy(String hcl) {
        String name = unique("mk-policy");
        root("PUT", "sys/policies/acl/" + name, Map.of("policy", hcl));
        cleanup.add("sys/policies/acl/" + name);
        return name;
    }

    /** A token with the given policies (plus default), issued by the root token. */
    Secret token(List<String> policies, String ttl, String explicitMaxTtl) {
        Reply r = root("POST", "auth/token/create", Map.of("policies", policies, "ttl", ttl,
                "explicit_max_ttl", explicitMaxTtl, "renewable", true));
        return Secret.of("test-token", r.body().path("auth").path("client_token").asText());
    }

    record AppRole(String mount, String roleId, Secret secretId) {
    }

    /** An AppRole auth mount of its own with one role issuing tokens with these settings. */
    AppRole appRole(List<String> policies, String tokenTtl, String tokenMaxTtl) {
        String mount = unique("mk-approle");
        root("POST", "sys/auth/" + mount, Map.of("type", "approle"));
        cleanup.add("sys/auth/" + mount);
        root("POST", "auth/" + mount + "/role/app", Map.of("token_policies", policies, "token_ttl", tokenTtl,
                "token_max_ttl", tokenMaxTtl));
        String roleId = root("GET", "auth/" + mount + "/role/app/role-id", null).body().path("data")
                .path("role_id").asText();
        String secretId = root("POST", "auth/" + mount + "/role/app/secret-id", Map.of()).body().path("data")
                .path("secret_id").asText();
        return new AppRole(mount, roleId, Secret.of("secret-id", secretId));
    }

    @Override
    public void close() {
        if (emulator != null) {
            return;
        }
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            root("DELETE", cleanup.get(i), null, 400, 404);
        }
    }
}
