package io.github.microkit.testing.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microkit.vault.emulator.EmulatorClock;
import io.github.microkit.vault.emulator.VaultEmulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Vault for a test class: the {@link VaultEmulator} on a free port, or — when {@code VAULT_ADDR} and
 * {@code VAULT_TOKEN} are set — that real Vault, so one suite runs against both.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final VaultEmulatorExtension VAULT = VaultEmulatorExtension.create();
 *
 * @Test
 * void readsWithAToken() {
 *     VAULT.writePolicy("app", "path \"secret/data/app\" { capabilities = [\"read\"] }");
 *     String token = VAULT.createToken("app");
 *     // ... point the code under test at VAULT.address() with that token
 *     VAULT.advanceClock(Duration.ofHours(2)); // skipped (not failed) against a real Vault
 * }
 * }</pre>
 *
 * Registered on a static field it starts once per class; on an instance field, once per test.
 */
public final class VaultEmulatorExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    static final String NO_CLOCK = "needs the Vault emulator's clock, but VAULT_ADDR points at a real Vault "
            + "whose time cannot be moved";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private VaultEmulator emulator;
    private URI address;
    private String rootToken;
    private boolean perTest;

    private VaultEmulatorExtension(Map<String, String> env) {
        this.env = env;
    }

    /** The emulator, or the real Vault named by {@code VAULT_ADDR} and {@code VAULT_TOKEN} when both are set. */
    public static VaultEmulatorExtension create() {
        return new VaultEmulatorExtension(System.getenv());
    }

    /** Always the emulator, whatever the environment says: for tests that need its clock or sealing. */
    public static VaultEmulatorExtension emulatorOnly() {
        return new VaultEmulatorExtension(Map.of());
    }

    /** As {@link #create()}, reading the two variables from the given map (for tests of this class). */
    static VaultEmulatorExtension fromEnvironment(Map<String, String> env) {
        return new VaultEmulatorExtension(Map.copyOf(Objects.requireNonNull(env, "env")));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (address == null) {
            perTest = true;
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perTest) {
            stop();
        }
    }

    void start() {
        String addr = env.getOrDefault("VAULT_ADDR", "");
        String token = env.getOrDefault("VAULT_TOKEN", "");
        if (!addr.isBlank() && !token.isBlank()) {
            address = URI.create(addr.endsWith("/") ? addr.substring(0, addr.length() - 1) : addr);
            rootToken = token;
            return;
        }
        emulator = VaultEmulator.builder().port(0).start();
        address = emulator.address();
        rootToken = emulator.rootToken();
    }

    void stop() {
        if (emulator != null) {
            emulator.close();
            emulator = null;
        }
        address = null;
        rootToken = null;
    }

    /** The address to give the code under test as VAULT_ADDR. */
    public URI address() {
        return started(address);
    }

    /** A token allowed everything: the emulator's root token, or VAULT_TOKEN. */
    public String rootToken() {
        return started(rootToken);
    }

    public boolean isEmulator() {
        started(address);
        return emulator != null;
    }

    /** The emulator itself (seal, unseal, standby), or empty against a real Vault. */
    public Optional<VaultEmulator> emulator() {
        started(address);
        return Optional.ofNullable(emulator);
    }

    /** The clock to move, or empty against a real Vault. */
    public Optional<EmulatorClock> clock() {
        return emulator().map(VaultEmulator::clock);
    }

    /** Skips (does not fail) the calling test when the clock cannot be moved, saying why. */
    public void assumeClockControl() {
        Assumptions.assumeTrue(clock().isPresent(), NO_CLOCK);
    }

    /** Moves the emulator's clock, expiring tokens and leases; skips the test against a real Vault. */
    public void advanceClock(Duration amount) {
        Objects.requireNonNull(amount, "amount");
        assumeClockControl();
        clock().orElseThrow().advance(amount);
    }

    /** A new token with these policies (and Vault's default policy), valid for an hour. */
    public String createToken(String... policies) {
        return createToken(Duration.ofHours(1), policies);
    }

    /** A new token with these policies and TTL. */
    public String createToken(Duration ttl, String... policies) {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(policies, "policies");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("policies", List.of(policies));
        body.put("ttl", ttl.getSeconds() + "s");
        // A real Vault's root token would make children of itself; orphans outlive it, like service logins.
        body.put("no_parent", true);
        return call("POST", "auth/token/create", body, 200).at("/auth/client_token").asText();
    }

    /** Writes (or replaces) an ACL policy. */
    public void writePolicy(String name, String hcl) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hcl, "hcl");
        call("PUT", "sys/policies/acl/" + name, Map.of("policy", hcl), 204);
    }

    private JsonNode call(String method, String path, Object body, int expected) {
        try {
            HttpRequest req = HttpRequest.newBuilder(address().resolve("/v1/" + path))
                    .timeout(Duration.ofSeconds(10))
                    .header("X-Vault-Token", rootToken())
                    .header("X-Vault-Request", "true")
                    .header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build();
            HttpResponse<byte[]> res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            if (res.statusCode() != expected) {
                // Vault's error texts name the problem, never a token or a value.
                throw new IllegalStateException(method + " " + path + " at " + address + " answered HTTP "
                        + res.statusCode() + ": " + new String(res.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return res.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(res.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " at " + address + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private <T> T started(T value) {
        if (value == null) {
            throw new IllegalStateException("the Vault extension has not started: register it with @RegisterExtension");
        }
        return value;
    }

    @Override
    public String toString() {
        return "VaultEmulatorExtension[" + (address == null ? "not started" : address) + "]";
    }
}
