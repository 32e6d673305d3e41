package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Logins: Kubernetes (token file re-read), a non-renewable token from a file, one login at a time. */
class VaultLoginIT {

    @RegisterExtension
    static final AppConfigVault VAULT = AppConfigVault.withApiKey("login-key-5");

    @TempDir
    Path dir;

    private static VaultTarget vault() {
        return VAULT.target();
    }

    private static String serviceAccountToken(KeyPair keys, String name, Instant expires) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("https://kubernetes.default.svc")
                .subject("system:serviceaccount:microkit:" + name).audience("https://kubernetes.default.svc")
                .issueTime(Date.from(vault().clock().instant())).expirationTime(Date.from(expires))
                .claim("kubernetes.io", Map.of("namespace", "microkit",
                        "serviceaccount", Map.of("name", name, "uid", UUID.randomUUID().toString())))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(keys.getPrivate()));
        return jwt.serialize();
    }

    @Test
    void kubernetesLoginReadsTheServiceAccountTokenFileAgainAtEveryLogin() throws Exception {
        vault().requireEmulator("no cluster to review tokens; the emulator checks their signature");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        String k8s = "mk-k8s-" + UUID.randomUUID().toString().substring(0, 8);
        vault().root("POST", "sys/auth/" + k8s, Map.of("type", "kubernetes"));
        vault().root("POST", "auth/" + k8s + "/config", Map.of("kubernetes_host", "https://kubernetes.default.svc",
                "pem_keys", List.of(pem)));
        vault().root("POST", "auth/" + k8s + "/role/producer", Map.of("bound_service_account_names", List.of("producer"),
                "bound_service_account_namespaces", List.of("microkit"), "token_policies", List.of(VAULT.readPolicy()),
                "token_ttl", "1h", "token_max_ttl", "1h"));
        // projected service-account tokens are short-lived; the kubelet rewrites the file before they end
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, serviceAccountToken(keys, "producer", vault().clock().instant().plus(Duration.ofMinutes(80))));

        try (VaultClient client = VAULT.connect(VaultAuth.kubernetes("producer", tokenFile).atMount(k8s))) {
            List<String> accessors = new ArrayList<>();
            accessors.add(client.session().state().orElseThrow().accessor());
            for (int step = 0; step < 18; step++) { // 3 hours; each Vault token lives at most 1 hour
                vault().advance(Duration.ofMinutes(10));
                Files.writeString(tokenFile, serviceAccountToken(keys, "producer",
                        vault().clock().instant().plus(Duration.ofMinutes(80))));
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10))
                        .until(() -> client.session().state().map(s -> s.actAt().isAfter(vault().clock().instant())).orElse(false));
                assertThat(client.kv(VAULT.mount()).read("app/config").outcome()).isEqualTo(KvReadResult.Outcome.FOUND);
                String accessor = client.session().state().orElseThrow().accessor();
                if (!accessors.contains(accessor)) {
                    accessors.add(accessor);
                }
            }
            // the first file's JWT expired after 80 minutes: later logins worked only with the rewritten file
            assertThat(accessors).hasSizeGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void aTokenThatIsNotRenewableIsReplacedByLoggingInAgainFromItsFile() throws Exception {
        vault().requireEmulator("moves Vault's clock past the token's TTL");
        Path tokenFile = dir.resolve("vault-token");
        Secret first = nonRenewableToken();
        Files.writeString(tokenFile, first.reveal() + "\n");
        try (VaultClient client = VAULT.connect(VaultAuth.tokenFile(tokenFile))) {
            VaultSession.TokenState initial = client.session().state().orElseThrow();
            assertThat(initial.renewable()).isFalse();
            // Vault Agent (or an operator) puts a new token into the file before the old one ends
            Secret second = nonRenewableToken();
            Files.writeString(tokenFile, second.reveal());

            vault().advance(Duration.ofMinutes(50));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    !client.session().state().orElseThrow().accessor().equals(initial.accessor()));

            assertThat(client.kv(VAULT.mount()).read("app/config").outcome()).isEqualTo(KvReadResult.Outcome.FOUND);
            assertThat(client.session().state().orElseThrow().token().reveal()).isEqualTo(second.reveal());
        }
    }

    private static Secret nonRenewableToken() {
        VaultTarget.Reply r = vault().root("POST", "auth/token/create", Map.of("policies", List.of(VAULT.readPolicy()),
                "ttl", "1h", "renewable", false));
        return Secret.of("token", r.body().path("auth").path("client_token").asText());
    }

    @Test
    void manyThreadsThatFindTheTokenRevokedCauseExactlyOneLogin() throws Exception {
        VaultTarget.AppRole role = vault().appRole(List.of(VAULT.readPolicy()), "1h", "24h");
        try (VaultClient client = VAULT.connect(VaultAuth.appRole(role.roleId(), role.secretId()).atMount(role.mount()))) {
            VaultSession.TokenState before = client.session().state().orElseThrow();
            vault().root("POST", "auth/token/revoke-accessor", Map.of("accessor", before.accessor()));

            int threads = 8;
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<KvReadResult>> reads = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    reads.add(pool.submit(() -> {
                        go.await();
                        return client.kv(VAULT.mount()).read("app/config");
                    }));
                }
                go.countDown();
                for (Future<KvReadResult> read : reads) {
                    assertThat(read.get().outcome()).isEqualTo(KvReadResult.Outcome.FOUND);
                }
            } finally {
                pool.shutdownNow();
            }

            VaultSession.TokenState after = client.session().state().orElseThrow();
            assertThat(after.generation()).as("one new login for all threads").isEqualTo(before.generation() + 1);
        }
    }
}
