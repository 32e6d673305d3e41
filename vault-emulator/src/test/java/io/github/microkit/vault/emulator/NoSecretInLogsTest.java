package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Everything the emulator prints during a run — its own log lines (slf4j-simple writes to stderr) and a
 * stdout audit device — searched for every secret value, token, secret id and password used.
 */
class NoSecretInLogsTest {

    @Test
    void noSecretValueTokenOrPasswordReachesStdoutOrStderr() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);
        List<String> secrets = new ArrayList<>();
        System.setOut(both);
        System.setErr(both);
        try (VaultEmulator emulator = VaultEmulator.builder().port(0).rootToken("root-token-value-1").start()) {
            VaultHttp http = new VaultHttp(emulator.address());
            String root = emulator.rootToken();
            secrets.add(root);
            http.put("sys/audit/stdout", root, Map.of("type", "file", "options", Map.of("file_path", "stdout")));
            http.post("secret/data/app", root, Map.of("data", Map.of("password", "kv-secret-value-2")));
            secrets.add("kv-secret-value-2");
            http.get("secret/data/app", root);
            http.post("sys/auth/approle", root, Map.of("type", "approle"));
            http.post("auth/approle/role/app", root, Map.of("token_policies", "app"));
            String roleId = http.get("auth/approle/role/app/role-id", root).json().at("/data/role_id").asText();
            String secretId = http.post("auth/approle/role/app/secret-id", root, Map.of()).json().at("/data/secret_id").asText();
            secrets.add(secretId);
            String token = http.post("auth/approle/login", null, Map.of("role_id", roleId, "secret_id", secretId))
                    .json().at("/auth/client_token").asText();
            secrets.add(token);
            http.get("secret/data/app", token); // denied
            http.post("auth/approle/login", null, Map.of("role_id", roleId, "secret_id", "wrong-secret-id-3"));
            secrets.add("wrong-secret-id-3");
            http.post("sys/mounts/rabbitmq", root, Map.of("type", "rabbitmq"));
            http.post("rabbitmq/config/connection", root, Map.of("connection_uri", "http://127.0.0.1:1",
                    "username", "admin", "password", "broker-admin-password-4"));
            secrets.add("broker-admin-password-4");
            http.send("POST", "secret/data/broken", root, "{\"data\": {\"password\": \"in-broken-json-5\"", Map.of());
            secrets.add("in-broken-json-5");
        } finally {
            System.setOut(out);
            System.setErr(err);
        }

        String text = captured.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("\"type\":\"response\"").contains("Vault emulator listening");
        for (String secret : secrets) {
            assertThat(text).as("output must not contain a secret").doesNotContain(secret);
        }
    }
}
