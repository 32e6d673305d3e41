package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.api.Auth;
import io.github.jopenlibs.vault.api.WriteOptions;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.github.jopenlibs.vault.response.LookupResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real vault-java-driver 6.2.1 against the emulator: every call microkit makes, and its error paths. */
class VaultJavaDriverTest {

    static VaultEmulator emulator;
    static VaultHttp http;

    @BeforeAll
    static void start() {
        emulator = VaultEmulator.builder().port(0).start();
        http = new VaultHttp(emulator.address());
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    static Vault driver(String token) throws VaultException {
        return Vault.create(new VaultConfig().address(emulator.address().toString()).token(token)
                .openTimeout(5).readTimeout(5).engineVersion(2).build());
    }

    /** Vault with engine version 1: full paths, as microkit uses for auth and dynamic secrets. */
    static Vault v1(String token) throws VaultException {
        return Vault.create(new VaultConfig().address(emulator.address().toString()).token(token)
                .openTimeout(5).readTimeout(5).engineVersion(1).build(), 1);
    }

    @Test
    void kvV2WritesVersionsAndReadsLatestOrAGivenVersion() throws Exception {
        Vault vault = driver(emulator.rootToken());
        vault.logical().write("secret/driver/versions", Map.of("password", "one"));
        vault.logical().write("secret/driver/versions", Map.of("password", "two"));

        LogicalResponse latest = vault.logical().read("secret/driver/versions");
        LogicalResponse first = vault.logical().read("secret/driver/versions", true, 1);

        assertThat(latest.getRestResponse().getStatus()).isEqualTo(200);
        assertThat(latest.getData()).containsEntry("password", "two");
        assertThat(latest.getDataMetadata().getVersion()).isEqualTo(2L);
        assertThat(first.getData()).containsEntry("password", "one");
        assertThat(first.getDataMetadata().getVersion()).isEqualTo(1L);
    }

    @Test
    void checkAndSetWritesOnlyOverTheExpectedVersion() throws Exception {
        Vault vault = driver(emulator.rootToken());
        vault.logical().write("secret/driver/cas", Map.of("k", "v1"), null, new WriteOptions().checkAndSet(0L));

        LogicalResponse stale = vault.logical().write("secret/driver/cas", Map.of("k", "lost"), null,
                new WriteOptions().checkAndSet(0L));
        LogicalResponse current = vault.logical().write("secret/driver/cas", Map.of("k", "v2"), null,
                new WriteOptions().checkAndSet(1L));

        assertThat(stale.getRestResponse().getStatus()).isEqualTo(400);
        assertThat(new String(stale.getRestResponse().getBody())).contains("check-and-set parameter did not match");
        assertThat(current.getRestResponse().getStatus()).isEqualTo(200);
        assertThat(vault.logical().read("secret/driver/cas").getData()).containsEntry("k", "v2");
    }

    @Test
    void deletedVersionReads404UntilUndeletedAndDestroyedVersionNeverComesBack() throws Exception {
        Vault vault = driver(emulator.rootToken());
        vault.logical().write("secret/driver/lifecycle", Map.of("k", "v1"));
        vault.logical().write("secret/driver/lifecycle", Map.of("k", "v2"));

        vault.logical().delete("secret/driver/lifecycle", new int[] {2});
        int deleted = vault.logical().read("secret/driver/lifecycle", true, 2).getRestResponse().getStatus();
        vault.logical().unDelete("secret/driver/lifecycle", new int[] {2});
        String undeleted = vault.logical().read("secret/driver/lifecycle", true, 2).getData().get("k");
        vault.logical().destroy("secret/driver/lifecycle", new int[] {1});
        vault.logical().unDelete("secret/driver/lifecycle", new int[] {1});
        int destroyed = vault.logical().read("secret/driver/lifecycle", true, 1).getRestResponse().getStatus();

        assertThat(deleted).isEqualTo(404);
        assertThat(undeleted).isEqualTo("v2");
        assertThat(destroyed).isEqualTo(404);
    }

    @Test
    void deleteWithoutVersionsErasesEveryVersion() throws Exception {
        Vault vault = driver(emulator.rootToken());
        vault.logical().write("secret/driver/erase", Map.of("k", "v1"));
        vault.logical().write("secret/driver/erase", Map.of("k", "v2"));

        vault.logical().delete("secret/driver/erase");

        assertThat(vault.logical().read("secret/driver/erase", true, 1).getRestResponse().getStatus()).isEqualTo(404);
        assertThat(http.get("secret/metadata/driver/erase", emulator.rootToken()).status()).isEqualTo(404);
    }

    @Test
    void readingAMissingSecretGives404WithEmptyDataInsteadOfAnException() throws Exception {
        LogicalResponse r = driver(emulator.rootToken()).logical().read("secret/driver/absent");

        assertThat(r.getRestResponse().getStatus()).isEqualTo(404);
        assertThat(r.getData()).isEmpty();
    }

    @Test
    void tokenWithoutThePolicyGets403OnReadAndAnExceptionOnLookupOfARevokedToken() throws Exception {
        driver(emulator.rootToken()).logical().write("secret/driver/guarded", Map.of("k", "v"));
        String token = http.tokenWith(emulator.rootToken(), "unrelated");

        LogicalResponse denied = driver(token).logical().read("secret/driver/guarded");
        driver(token).auth().revokeSelf();

        assertThat(denied.getRestResponse().getStatus()).isEqualTo(403);
        assertThat(new String(denied.getRestResponse().getBody())).contains("permission denied");
        assertThatThrownBy(() -> driver(token).auth().lookupSelf())
                .isInstanceOfSatisfying(VaultException.class, e -> assertThat(e.getHttpStatusCode()).isEqualTo(403));
    }

    @Test
    void tokenCreateLookupSelfAndRenewSelfReportTtlPoliciesAndRenewability() throws Exception {
        AuthResponse created = driver(emulator.rootToken()).auth().createToken(new Auth.TokenRequest()
                .polices(List.of("reader")).ttl("30m").explicitMaxTtl("1h").displayName("worker"));
        String token = created.getAuthClientToken();

        LookupResponse before = driver(token).auth().lookupSelf();
        emulator.clock().advance(Duration.ofMinutes(20));
        AuthResponse renewed = driver(token).auth().renewSelf(1800);
        emulator.clock().advance(Duration.ofMinutes(20));
        AuthResponse capped = driver(token).auth().renewSelf(3600);

        assertThat(created.getAuthPolicies()).containsExactly("default", "reader");
        assertThat(created.getAuthLeaseDuration()).isEqualTo(1800);
        assertThat(created.isAuthRenewable()).isTrue();
        assertThat(created.getTokenAccessor()).isNotBlank();
        assertThat(before.getTTL()).isBetween(1790L, 1800L);
        assertThat(before.getPolicies()).containsExactly("default", "reader");
        assertThat(before.getDisplayName()).isEqualTo("token-worker");
        assertThat(before.getAccessor()).isEqualTo(created.getTokenAccessor());
        assertThat(renewed.getAuthLeaseDuration()).isBetween(1790L, 1800L);
        // 40 minutes of the 60-minute explicit max TTL are gone: renewal is capped at the remaining 20.
        assertThat(capped.getAuthLeaseDuration()).isBetween(1190L, 1200L);
    }

    @Test
    void tokenExpiresOnTheMovedClock() throws Exception {
        String token = driver(emulator.rootToken()).auth()
                .createToken(new Auth.TokenRequest().ttl("10m")).getAuthClientToken();

        emulator.clock().advance(Duration.ofMinutes(11));

        assertThatThrownBy(() -> driver(token).auth().lookupSelf())
                .isInstanceOfSatisfying(VaultException.class, e -> assertThat(e.getHttpStatusCode()).isEqualTo(403));
    }

    @Test
    void appRoleLoginIssuesATokenWithTheRolesPolicies() throws Exception {
        String root = emulator.rootToken();
        http.post("sys/auth/approle-driver", root, Map.of("type", "approle"));
        http.post("auth/approle-driver/role/worker", root, Map.of("token_policies", "reader,writer", "token_ttl", "15m"));
        String roleId = http.get("auth/approle-driver/role/worker/role-id", root).json().at("/data/role_id").asText();
        String secretId = http.post("auth/approle-driver/role/worker/secret-id", root, Map.of())
                .json().at("/data/secret_id").asText();

        AuthResponse login = v1(null).auth().loginByAppRole("approle-driver", roleId, secretId);

        assertThat(login.getAuthPolicies()).containsExactly("default", "reader", "writer");
        assertThat(login.getAuthLeaseDuration()).isEqualTo(900);
        assertThat(driver(login.getAuthClientToken()).auth().lookupSelf().getPath())
                .isEqualTo("auth/approle-driver/login");
        assertThatThrownBy(() -> v1(null).auth().loginByAppRole("approle-driver", roleId, "wrong"))
                .isInstanceOfSatisfying(VaultException.class, e -> assertThat(e.getHttpStatusCode()).isEqualTo(400));
    }

    @Test
    void kubernetesLoginAcceptsAServiceAccountTokenSignedByTheConfiguredKeyOnly() throws Exception {
        String root = emulator.rootToken();
        RSAKey clusterKey = new RSAKeyGenerator(2048).keyID("sa").generate();
        RSAKey otherKey = new RSAKeyGenerator(2048).keyID("sa").generate();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(clusterKey.toRSAPublicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        http.post("sys/auth/kubernetes", root, Map.of("type", "kubernetes"));
        http.post("auth/kubernetes/config", root, Map.of("kubernetes_host", "https://kubernetes.default.svc",
                "pem_keys", List.of(pem)));
        http.post("auth/kubernetes/role/producer", root, Map.of("bound_service_account_names", "producer",
                "bound_service_account_namespaces", "microkit", "token_policies", "microkit-producer"));

        AuthResponse login = v1(null).auth().loginByKubernetes("producer", serviceAccountJwt(clusterKey, "producer"));

        assertThat(login.getAuthPolicies()).containsExactly("default", "microkit-producer");
        LookupResponse self = driver(login.getAuthClientToken()).auth().lookupSelf();
        assertThat(self.getDisplayName()).isEqualTo("kubernetes-microkit-producer");
        assertThatThrownBy(() -> v1(null).auth().loginByKubernetes("producer", serviceAccountJwt(otherKey, "producer")))
                .isInstanceOfSatisfying(VaultException.class, e -> assertThat(e.getHttpStatusCode()).isEqualTo(403));
        assertThatThrownBy(() -> v1(null).auth().loginByKubernetes("producer", serviceAccountJwt(clusterKey, "intruder")))
                .isInstanceOfSatisfying(VaultException.class, e -> assertThat(e.getHttpStatusCode()).isEqualTo(403));
    }

    static String serviceAccountJwt(RSAKey key, String serviceAccount) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer("https://kubernetes.default.svc.cluster.local")
                .subject("system:serviceaccount:microkit:" + serviceAccount)
                .audience("https://kubernetes.default.svc.cluster.local")
                .expirationTime(Date.from(java.time.Instant.now().plus(Duration.ofDays(365))))
                .claim("kubernetes.io", Map.of("namespace", "microkit",
                        "serviceaccount", Map.of("name", serviceAccount, "uid", "uid-" + serviceAccount)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    @Test
    void sysMountsListingAndSealStatusParseInTheDriver() throws Exception {
        Vault vault = driver(emulator.rootToken());

        var mounts = vault.sys().mounts().list();
        var seal = vault.sys().seal().sealStatus();

        assertThat(mounts.getRestResponse().getStatus()).isEqualTo(200);
        assertThat(mounts.getMounts()).containsKey("secret/");
        assertThat(seal.getSealed()).isFalse();
        assertThat(seal.getThreshold()).isEqualTo(1L);
    }

    @Test
    void sealedVaultAnswers503ToReadsAndHealthSaysSealed() throws Exception {
        try (VaultEmulator sealed = VaultEmulator.builder().port(0).start()) {
            sealed.seal();
            Vault vault = Vault.create(new VaultConfig().address(sealed.address().toString())
                    .token(sealed.rootToken()).engineVersion(2).build());

            // The driver takes Vault's documented health codes (503 for sealed) as answers, not failures.
            assertThat(vault.debug().health().getRestResponse().getStatus()).isEqualTo(503);
            assertThat(vault.debug().health().getSealed()).isTrue();
            assertThatThrownBy(() -> vault.auth().lookupSelf())
                    .isInstanceOfSatisfying(VaultException.class, e -> assertThat(e.getHttpStatusCode()).isEqualTo(503));
            sealed.unseal();
            assertThat(vault.debug().health().getSealed()).isFalse();
        }
    }
}
