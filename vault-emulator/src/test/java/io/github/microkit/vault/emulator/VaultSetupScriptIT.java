package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.rabbitmq.client.Connection;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.github.microkit.vault.emulator.VaultHttp.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The setup script of manifests/overlays/dev/vault, run against the emulator as the demo runs it (and as
 * the Kubernetes Job runs it against a real Vault): then a service logs in and gets what it needs.
 */
class VaultSetupScriptIT {

    static final Path SCRIPT = Path.of("..", "manifests", "overlays", "dev", "vault", "vault-setup.sh");

    @TempDir
    Path dir;
    VaultEmulator emulator;
    VaultHttp http;

    @BeforeEach
    void start() {
        emulator = VaultEmulator.builder().port(0).start();
        http = new VaultHttp(emulator.address());
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    record Run(int exit, String output) {
    }

    Run runScript(Map<String, String> extra) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("VAULT_ADDR", emulator.address().toString());
        env.put("VAULT_TOKEN", emulator.rootToken());
        env.put("APPROLE_OUTPUT_DIR", dir.resolve("approle").toString());
        env.put("AUDIT_FILE_PATH", dir.resolve("audit.log").toString());
        env.putAll(extra);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    String file(String name) throws IOException {
        return Files.readString(dir.resolve("approle").resolve(name)).trim();
    }

    static Vault vault(String address, String token, int engineVersion) throws Exception {
        return Vault.create(new VaultConfig().address(address).token(token).engineVersion(engineVersion).build(),
                engineVersion);
    }

    @Test
    void producerLogsInByAppRoleAndReadsItsSecretAndRabbitMqCredentialsButNotTheConsumers() throws Exception {
        Run run = runScript(Map.of());
        assertThat(run.exit()).as(run.output()).isZero();
        String addr = emulator.address().toString();

        AuthResponse login = vault(addr, null, 1).auth().loginByAppRole("approle", file("producer.role-id"),
                file("producer.secret-id"));
        String token = login.getAuthClientToken();
        LogicalResponse secret = vault(addr, token, 2).logical().read("secret/microkit/producer");
        LogicalResponse other = vault(addr, token, 2).logical().read("secret/microkit/consumer");
        LogicalResponse creds = vault(addr, token, 1).logical().read("rabbitmq/creds/producer");
        LogicalResponse consumerCreds = vault(addr, token, 1).logical().read("rabbitmq/creds/consumer");

        assertThat(login.getAuthPolicies()).containsExactly("default", "microkit-producer");
        assertThat(secret.getRestResponse().getStatus()).isEqualTo(200);
        assertThat(secret.getData().get("hmac-key")).hasSize(64);
        assertThat(other.getRestResponse().getStatus()).isEqualTo(403);
        assertThat(consumerCreds.getRestResponse().getStatus()).isEqualTo(403);
        assertThat(creds.getLeaseDuration()).isEqualTo(3600L);
        Connection c = RabbitMqCredentialsIT.connect(creds.getData().get("username"), creds.getData().get("password"));
        try {
            assertThat(c.isOpen()).isTrue();
        } finally {
            c.abort();
        }
        // The driver renews with the lease id in the URL; the script's policy allows that too.
        assertThat(vault(addr, token, 1).sys().leases().renew(creds.getLeaseId(), 600).getRestResponse().getStatus())
                .isEqualTo(200);
        vault(addr, token, 1).sys().leases().revoke(creds.getLeaseId());
        assertThat(RabbitMqCredentialsIT.managementStatus("/api/users/" + creds.getData().get("username")))
                .isEqualTo(404);
        assertThat(Files.readString(dir.resolve("audit.log"))).contains("\"path\":\"rabbitmq/creds/producer\"")
                .doesNotContain(creds.getData().get("password"));
    }

    @Test
    void runningTheScriptAgainChangesNothingAndKeepsTheSecrets() throws Exception {
        Run first = runScript(Map.of());
        String secretBefore = http.get("secret/data/microkit/producer", emulator.rootToken()).json()
                .at("/data/data/hmac-key").asText();

        Run second = runScript(Map.of());

        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(second.exit()).as(second.output()).isZero();
        assertThat(second.output()).contains("already enabled").contains("exists, kept");
        Reply meta = http.get("secret/metadata/microkit/producer", emulator.rootToken());
        assertThat(meta.json().at("/data/current_version").asInt()).isEqualTo(1);
        assertThat(http.get("secret/data/microkit/producer", emulator.rootToken()).json().at("/data/data/hmac-key")
                .asText()).isEqualTo(secretBefore);
        Reply headers = http.get("sys/config/auditing/request-headers", emulator.rootToken());
        assertThat(headers.json().at("/data/headers/x-request-id/hmac").asBoolean()).isFalse();
        assertThat(headers.json().at("/data/headers/traceparent").isObject()).isTrue();
        assertThat(first.output()).doesNotContain(secretBefore).doesNotContain(emulator.rootToken() + "\"");
    }

    @Test
    void kubernetesRolesLetTheServiceAccountsOfTheNamespaceLogIn() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("sa").generate();
        Path pem = dir.resolve("sa.pub");
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(key.toRSAPublicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        Map<String, String> env = new HashMap<>();
        env.put("VAULT_AUTH_METHODS", "kubernetes");
        env.put("K8S_HOST", "https://kubernetes.default.svc");
        env.put("K8S_NAMESPACE", "microkit");
        env.put("K8S_PEM_KEYS_FILE", pem.toString());
        env.put("K8S_CA_CERT_FILE", dir.resolve("absent-ca.crt").toString());
        Run run = runScript(env);
        assertThat(run.exit()).as(run.output()).isZero();

        AuthResponse login = vault(emulator.address().toString(), null, 1).auth()
                .loginByKubernetes("consumer", VaultJavaDriverTest.serviceAccountJwt(key, "consumer"));

        assertThat(login.getAuthPolicies()).containsExactly("default", "microkit-consumer");
        assertThat(http.get("sys/auth", emulator.rootToken()).json().at("/data/approle~1").isMissingNode()).isTrue();
    }

    @Test
    void aSealedVaultStopsTheScriptWithAClearMessage() throws Exception {
        emulator.seal();

        Run run = runScript(Map.of());

        assertThat(run.exit()).isNotZero();
        assertThat(run.output()).contains("not ready").contains("503");
    }
}
