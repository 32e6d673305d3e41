package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Plain HTTP calls to an emulator, for tests that check the wire format itself. */
final class VaultHttp {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * A clock that stands still until a test moves it: the emulator's own clock follows the wall clock
     * too, which on a loaded machine can shift exact TTL assertions by a second.
     */
    static EmulatorClock frozenClock() {
        return EmulatorClock.of(java.time.Clock.fixed(java.time.Instant.parse("2026-01-01T00:00:00Z"),
                java.time.ZoneOffset.UTC));
    }

    record Reply(int status, Optional<String> contentType, String text, JsonNode json) {
    }

    private final URI base;

    VaultHttp(URI base) {
        this.base = base;
    }

    Reply get(String path, String token) {
        return send("GET", path, token, null, Map.of());
    }

    Reply post(String path, String token, Object body) {
        return send("POST", path, token, body, Map.of());
    }

    Reply put(String path, String token, Object body) {
        return send("PUT", path, token, body, Map.of());
    }

    Reply delete(String path, String token) {
        return send("DELETE", path, token, null, Map.of());
    }

    Reply list(String path, String token) {
        return send("LIST", path, token, null, Map.of());
    }

    Reply send(String method, String path, String token, Object body, Map<String, String> headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/" + path)).timeout(Duration.ofSeconds(10));
            if (token != null) {
                b.header("X-Vault-Token", token);
            }
            headers.forEach(b::header);
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = r.body().isEmpty() ? MissingNode.getInstance() : JSON.readTree(r.body());
            return new Reply(r.statusCode(), r.headers().firstValue("Content-Type"), r.body(), json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A token with exactly these policies (and default), made by root. */
    String tokenWith(String rootToken, String... policies) {
        Reply r = post("auth/token/create", rootToken, Map.of("policies", policies, "ttl", "1h"));
        if (r.status() != 200) {
            throw new IllegalStateException("token create answered " + r.status());
        }
        return r.json().at("/auth/client_token").asText();
    }

    void policy(String rootToken, String name, String hcl) {
        Reply r = put("sys/policies/acl/" + name, rootToken, Map.of("policy", hcl));
        if (r.status() != 204) {
            throw new IllegalStateException("policy write answered " + r.status() + " " + r.text());
        }
    }
}
