package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.github.microkit.vault.emulator.VaultHttp.Reply;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Kubernetes login: the service-account JWT's signature, expiry, bindings and audience are all checked. */
class KubernetesAuthTest {

    VaultEmulator emulator;
    VaultHttp http;
    String root;
    RSAKey key;

    @BeforeEach
    void start() throws Exception {
        emulator = VaultEmulator.builder().port(0).start();
        http = new VaultHttp(emulator.address());
        root = emulator.rootToken();
        key = new RSAKeyGenerator(2048).keyID("cluster").generate();
        http.post("sys/auth/kubernetes", root, Map.of("type", "kubernetes"));
        http.post("auth/kubernetes/config", root, Map.of("kubernetes_host", "https://k8s",
                "pem_keys", List.of(pem(key))));
        http.post("auth/kubernetes/role/app", root, Map.of("bound_service_account_names", List.of("app"),
                "bound_service_account_namespaces", List.of("prod"), "token_policies", "app", "token_ttl", "10m"));
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    static String pem(RSAKey k) throws Exception {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(k.toRSAPublicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----";
    }

    JWTClaimsSet.Builder claims(String namespace, String name) {
        return new JWTClaimsSet.Builder()
                .subject("system:serviceaccount:" + namespace + ":" + name)
                .expirationTime(Date.from(emulator.clock().now().plus(Duration.ofHours(1))));
    }

    String rs256(JWTClaimsSet c) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("cluster").build(), c);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    Reply login(String role, String jwt) {
        return http.post("auth/kubernetes/login", null, Map.of("role", role, "jwt", jwt));
    }

    @Test
    void aValidProjectedTokenLogsInWithTheServiceAccountInTheMetadata() throws Exception {
        Reply r = login("app", rs256(claims("prod", "app")
                .claim("kubernetes.io", Map.of("namespace", "prod", "serviceaccount", Map.of("name", "app", "uid", "u-1")))
                .build()));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/auth/metadata/service_account_name").asText()).isEqualTo("app");
        assertThat(r.json().at("/auth/metadata/service_account_namespace").asText()).isEqualTo("prod");
        assertThat(r.json().at("/auth/metadata/service_account_uid").asText()).isEqualTo("u-1");
        assertThat(r.json().at("/auth/metadata/role").asText()).isEqualTo("app");
        assertThat(r.json().at("/auth/lease_duration").asLong()).isEqualTo(600);
    }

    @Test
    void aLegacySecretTokenLogsInToo() throws Exception {
        Reply r = login("app", rs256(new JWTClaimsSet.Builder()
                .issuer("kubernetes/serviceaccount")
                .claim("kubernetes.io/serviceaccount/namespace", "prod")
                .claim("kubernetes.io/serviceaccount/service-account.name", "app")
                .claim("kubernetes.io/serviceaccount/secret.name", "app-token-x")
                .claim("kubernetes.io/serviceaccount/service-account.uid", "u-2").build()));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/auth/metadata/service_account_secret_name").asText()).isEqualTo("app-token-x");
    }

    @Test
    void theWrongNamespaceOrNameIsDeniedWithVaultsReason() throws Exception {
        Reply namespace = login("app", rs256(claims("dev", "app").build()));
        Reply name = login("app", rs256(claims("prod", "other").build()));

        assertThat(namespace.status()).isEqualTo(403);
        assertThat(namespace.json().at("/errors/0").asText()).isEqualTo("namespace not authorized");
        assertThat(name.status()).isEqualTo(403);
        assertThat(name.json().at("/errors/0").asText()).isEqualTo("service account name not authorized");
    }

    @Test
    void aTokenExpiredOnTheEmulatorsClockIsDenied() throws Exception {
        String jwt = rs256(claims("prod", "app").build());

        emulator.clock().advance(Duration.ofHours(2));

        assertThat(login("app", jwt).status()).isEqualTo(403);
    }

    @Test
    void aTamperedTokenIsDenied() throws Exception {
        String jwt = rs256(claims("prod", "app").build());
        String[] parts = jwt.split("\\.");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims("prod", "app").claim("extra", "x").build().toString().getBytes()) + "." + parts[2];

        assertThat(login("app", forged).status()).isEqualTo(403);
        assertThat(login("app", "not-a-jwt").status()).isEqualTo(400);
    }

    @Test
    void aRoleWithAnAudienceWantsItInTheToken() throws Exception {
        http.post("auth/kubernetes/role/aud", root, Map.of("bound_service_account_names", "*",
                "bound_service_account_namespaces", "*", "audience", "vault"));

        Reply without = login("aud", rs256(claims("any", "one").audience("other").build()));
        Reply with = login("aud", rs256(claims("any", "one").audience(List.of("vault", "api")).build()));

        assertThat(without.status()).isEqualTo(403);
        assertThat(with.status()).isEqualTo(200);
    }

    @Test
    void anEcKeyFromAJwksVerifiesToo() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec").generate();
        http.post("auth/kubernetes/config", root, Map.of("kubernetes_host", "https://k8s",
                "jwks", Map.of("keys", List.of(ec.toPublicJWK().toJSONObject()))));
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec").build(),
                claims("prod", "app").build());
        jwt.sign(new ECDSASigner(ec));

        assertThat(login("app", jwt.serialize()).status()).isEqualTo(200);
        assertThat(login("app", rs256(claims("prod", "app").build())).status()).isEqualTo(403); // old key gone
    }

    @Test
    void anUnknownRoleAndAMissingKeyConfigurationAreExplained() throws Exception {
        Reply unknown = login("nope", rs256(claims("prod", "app").build()));
        http.post("auth/kubernetes/config", root, Map.of("kubernetes_host", "https://k8s"));
        Reply noKeys = login("app", rs256(claims("prod", "app").build()));

        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().at("/errors/0").asText()).isEqualTo("invalid role name \"nope\"");
        assertThat(noKeys.status()).isEqualTo(400);
        assertThat(noKeys.json().at("/errors/0").asText()).contains("pem_keys");
    }

    @Test
    void disablingTheAuthMethodRevokesTheTokensItIssued() throws Exception {
        String token = login("app", rs256(claims("prod", "app").build())).json().at("/auth/client_token").asText();

        http.delete("sys/auth/kubernetes", root);

        assertThat(http.get("auth/token/lookup-self", token).status()).isEqualTo(403);
    }
}
