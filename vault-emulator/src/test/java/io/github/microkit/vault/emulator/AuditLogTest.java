package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.github.microkit.vault.emulator.VaultHttp.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file audit device: who read what, with every value HMAC-hashed, one request and one response line. */
class AuditLogTest {

    static final String SECRET = "s3cret-value-never-logged";

    @TempDir
    Path dir;
    Path log;
    VaultEmulator emulator;
    VaultHttp http;
    String root;

    @BeforeEach
    void start() {
        log = dir.resolve("audit.log");
        emulator = VaultEmulator.builder().port(0).auditFile(log).start();
        http = new VaultHttp(emulator.address());
        root = emulator.rootToken();
        http.policy(root, "microkit-app", "path \"secret/data/app/*\" { capabilities = [\"read\"] }");
        http.post("secret/data/app/db", root, Map.of("data", Map.of("password", SECRET)));
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    List<JsonNode> entries() {
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                out.add(VaultHttp.JSON.readTree(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode responseFor(String path) {
        return entries().stream()
                .filter(e -> e.get("type").asText().equals("response") && e.at("/request/path").asText().equals(path))
                .reduce((a, b) -> b).orElseThrow();
    }

    String hash(String value) {
        return http.post("sys/audit-hash/file", root, Map.of("input", value)).json().at("/data/hash").asText();
    }

    @Test
    void aReadByAnAppRoleTokenShowsTheIdentityAndHashedValuesOnly() throws IOException {
        http.post("sys/auth/approle", root, Map.of("type", "approle"));
        http.post("auth/approle/role/app", root, Map.of("token_policies", "microkit-app"));
        String roleId = http.get("auth/approle/role/app/role-id", root).json().at("/data/role_id").asText();
        String secretId = http.post("auth/approle/role/app/secret-id", root, Map.of()).json().at("/data/secret_id").asText();
        Reply login = http.post("auth/approle/login", null, Map.of("role_id", roleId, "secret_id", secretId));
        String token = login.json().at("/auth/client_token").asText();
        String accessor = login.json().at("/auth/accessor").asText();

        http.get("secret/data/app/db", token);

        JsonNode read = responseFor("secret/data/app/db");
        assertThat(read.at("/auth/display_name").asText()).isEqualTo("approle");
        assertThat(read.at("/auth/policies")).extracting(JsonNode::asText).containsExactly("default", "microkit-app");
        assertThat(read.at("/auth/metadata/role_name").asText()).isEqualTo("app");
        assertThat(read.at("/auth/accessor").asText()).isEqualTo(hash(accessor));
        assertThat(read.at("/auth/client_token").asText()).isEqualTo(hash(token));
        assertThat(read.at("/request/operation").asText()).isEqualTo("read");
        assertThat(read.at("/request/mount_type").asText()).isEqualTo("kv");
        assertThat(read.at("/response/data/data/password").asText()).isEqualTo(hash(SECRET)).startsWith("hmac-sha256:");
        JsonNode loginLine = responseFor("auth/approle/login");
        assertThat(loginLine.at("/response/auth/accessor").asText()).isEqualTo(hash(accessor));
        assertThat(loginLine.at("/request/data/secret_id").asText()).startsWith("hmac-sha256:");
        String text = Files.readString(log);
        assertThat(text).doesNotContain(SECRET).doesNotContain(token).doesNotContain(secretId).doesNotContain(accessor);
    }

    @Test
    void aReadByAKubernetesTokenShowsTheServiceAccount() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k").generate();
        http.post("sys/auth/kubernetes", root, Map.of("type", "kubernetes"));
        http.post("auth/kubernetes/config", root, Map.of("kubernetes_host", "https://k8s",
                "jwks", Map.of("keys", List.of(key.toPublicJWK().toJSONObject()))));
        http.post("auth/kubernetes/role/app", root, Map.of("bound_service_account_names", "producer",
                "bound_service_account_namespaces", "microkit", "token_policies", "microkit-app"));
        String token = http.post("auth/kubernetes/login", null,
                Map.of("role", "app", "jwt", VaultJavaDriverTest.serviceAccountJwt(key, "producer")))
                .json().at("/auth/client_token").asText();

        http.get("secret/data/app/db", token);

        JsonNode read = responseFor("secret/data/app/db");
        assertThat(read.at("/auth/display_name").asText()).isEqualTo("kubernetes-microkit-producer");
        assertThat(read.at("/auth/metadata/role").asText()).isEqualTo("app");
        assertThat(read.at("/auth/metadata/service_account_name").asText()).isEqualTo("producer");
        assertThat(read.at("/auth/metadata/service_account_namespace").asText()).isEqualTo("microkit");
        assertThat(read.at("/auth/policies")).extracting(JsonNode::asText).contains("microkit-app");
    }

    @Test
    void everyRequestHasOneRequestAndOneResponseLineWithTheSameId() {
        http.get("secret/data/app/db", root);
        http.get("secret/data/app/absent", root);

        List<JsonNode> all = entries();
        for (JsonNode e : all) {
            long sameId = all.stream().filter(o -> o.at("/request/id").equals(e.at("/request/id"))).count();
            assertThat(sameId).as("lines for request %s", e.at("/request/id")).isEqualTo(2);
        }
        assertThat(all.stream().filter(e -> e.get("type").asText().equals("request")).count())
                .isEqualTo(all.stream().filter(e -> e.get("type").asText().equals("response")).count());
        assertThat(all).allSatisfy(e -> assertThat(e.get("time").asText()).endsWith("Z"));
    }

    @Test
    void aDeniedRequestIsLoggedWithThePermissionDeniedError() {
        String token = http.tokenWith(root, "unrelated");

        http.get("secret/data/app/db", token);

        JsonNode denied = responseFor("secret/data/app/db");
        assertThat(denied.get("error").asText()).contains("permission denied");
        assertThat(denied.at("/auth/policies")).extracting(JsonNode::asText).contains("unrelated");
        assertThat(denied.at("/response/data").isMissingNode()).isTrue();
    }

    @Test
    void aRequestHeaderIsRecordedOnlyOnceConfigured() {
        Map<String, String> header = Map.of("X-Request-Id", "trace-4bf92f3577b34da6");
        http.send("GET", "secret/data/app/db", root, null, header);
        JsonNode before = responseFor("secret/data/app/db");

        http.put("sys/config/auditing/request-headers/X-Request-Id", root, Map.of("hmac", false));
        http.put("sys/config/auditing/request-headers/X-Secret-Header", root, Map.of("hmac", true));
        http.send("GET", "secret/data/app/db", root, null,
                Map.of("X-Request-Id", "trace-4bf92f3577b34da6", "X-Secret-Header", "plain"));
        JsonNode after = responseFor("secret/data/app/db");

        assertThat(before.at("/request/headers").isMissingNode()).isTrue();
        assertThat(after.at("/request/headers/x-request-id/0").asText()).isEqualTo("trace-4bf92f3577b34da6");
        assertThat(after.at("/request/headers/x-secret-header/0").asText()).startsWith("hmac-sha256:");
        assertThat(http.get("sys/config/auditing/request-headers", root).json().at("/data/headers/x-request-id/hmac")
                .asBoolean()).isFalse();
    }

    @Test
    void auditDevicesAreListedAndAnotherCanBeEnabledAndDisabled() {
        Path second = dir.resolve("second.log");

        Reply enable = http.put("sys/audit/second", root, Map.of("type", "file", "options", Map.of("file_path", second.toString())));
        Reply again = http.put("sys/audit/second", root, Map.of("type", "file", "options", Map.of("file_path", second.toString())));
        Reply list = http.get("sys/audit", root);
        http.get("secret/data/app/db", root);
        Reply disable = http.delete("sys/audit/second", root);

        assertThat(enable.status()).isEqualTo(204);
        assertThat(again.status()).isEqualTo(400);
        assertThat(list.json().at("/data/second~1/type").asText()).isEqualTo("file");
        assertThat(list.json().at("/data/second~1/options/file_path").asText()).isEqualTo(second.toString());
        assertThat(second).isNotEmptyFile();
        assertThat(disable.status()).isEqualTo(204);
        assertThat(http.get("sys/audit", root).json().at("/data/second~1").isMissingNode()).isTrue();
    }
}
