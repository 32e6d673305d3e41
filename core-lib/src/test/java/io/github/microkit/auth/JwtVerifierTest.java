package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.RSAKey;
import io.github.microkit.auth.TokenRejectedException.Reason;
import io.github.microkit.health.HealthStatus;
import io.github.microkit.testing.tokens.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JwtVerifierTest {

    @RegisterExtension
    static final TestIssuer ISSUER = TestIssuer.create();

    private static JwtVerifierConfig config() {
        return JwtVerifierConfig.builder(ISSUER.issuer(), "orders-api").keycloakClientRoles("orders-api").build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256", "EdDSA"})
    void verifiesTokensOfEachDefaultAlgorithmWithKeysFromDiscovery(String alg) {
        try (JwtVerifier verifier = JwtVerifier.forIssuer(config())) {
            String token = ISSUER.token().algorithm(JWSAlgorithm.parse(alg)).audience("orders-api").scope("orders:write orders:read").sign();

            VerifiedToken verified = verifier.verify(token);

            assertThat(verified.issuer()).isEqualTo(ISSUER.issuer());
            assertThat(verified.subject()).contains("test-user");
            assertThat(verified.audiences()).containsExactly("orders-api");
            assertThat(verified.scopes()).containsExactlyInAnyOrder("orders:write", "orders:read");
            assertThat(verifier.keyHealth().check().status()).isEqualTo(HealthStatus.UP);
        }
    }

    @Test
    void ed25519TokensVerifyDespiteNimbusIssue359() {
        // DefaultJWTProcessor with a key selector rejects these; our direct Ed25519Verifier path must not.
        try (JwtVerifier verifier = JwtVerifier.forJwksUri(config(), ISSUER.jwksUri())) {
            String token = ISSUER.token().algorithm(JWSAlgorithm.EdDSA).audience("orders-api").sign();
            assertThat(verifier.verify(token).subject()).contains("test-user");

            String tampered = token.substring(0, token.lastIndexOf('.') + 1) + "A" + token.substring(token.lastIndexOf('.') + 2);
            assertThatThrownBy(() -> verifier.verify(tampered))
                    .isInstanceOf(TokenRejectedException.class)
                    .extracting(e -> ((TokenRejectedException) e).reason()).isIn(Reason.BAD_SIGNATURE);
        }
    }

    @Test
    void readsScopesFromScopeAndScpAndRolesFromKeycloakPaths() {
        try (JwtVerifier verifier = JwtVerifier.forJwksUri(config(), ISSUER.jwksUri())) {
            String token = ISSUER.token().audience("orders-api")
                    .scope("orders:read")
                    .claim("scp", List.of("orders:write"))
                    .claim("realm_access", Map.of("roles", List.of("admin")))
                    .claim("resource_access", Map.of("orders-api", Map.of("roles", List.of("clerk")), "other", Map.of("roles", List.of("x"))))
                    .claim("azp", "orders-web")
                    .sign();

            VerifiedToken verified = verifier.verify(token);

            assertThat(verified.scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
            assertThat(verified.roles()).containsExactlyInAnyOrder("admin", "clerk");
            assertThat(verified.stringClaim("azp")).contains("orders-web");
            assertThat(verified.claims()).containsKeys("iss", "sub", "exp", "realm_access");
            assertThat(verified.toString()).doesNotContain(token).doesNotContain(token.substring(0, 20));
        }
    }

    @Test
    void missingScopeIsA403NamingTheScope() {
        try (JwtVerifier verifier = JwtVerifier.forJwksUri(config(), ISSUER.jwksUri())) {
            VerifiedToken verified = verifier.verify(ISSUER.token().audience("orders-api").scope("orders:read").sign());

            assertThatThrownBy(() -> verified.requireScope("orders:write"))
                    .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                        AuthErrorResponse answer = AuthErrorResponse.of(e, "orders");
                        assertThat(answer.status()).isEqualTo(403);
                        assertThat(answer.wwwAuthenticate()).contains(
                                "Bearer realm=\"orders\", error=\"insufficient_scope\", scope=\"orders:write\"");
                    });
        }
    }

    @Test
    void staticKeysFromJwksJwkAndPem() throws Exception {
        String kid = ISSUER.currentKeyId(JWSAlgorithm.RS256);
        RSAKey publicKey = ((RSAKey) ISSUER.keyPair(kid)).toPublicJWK();
        String token = ISSUER.token().audience("orders-api").sign();

        try (JwtVerifier fromJwks = JwtVerifier.forKeys(config(), ISSUER.jwksJson());
             JwtVerifier fromJwk = JwtVerifier.forKeys(config(), publicKey.toJSONString());
             JwtVerifier fromPem = JwtVerifier.forKeys(config(), pem(publicKey))) {
            assertThat(fromJwks.verify(token).subject()).contains("test-user");
            assertThat(fromJwk.verify(token).subject()).contains("test-user");
            assertThat(fromPem.verify(token).subject()).contains("test-user");
        }
    }

    @Test
    void staticKeysRefusePrivateKeysAtStart() {
        String privateJwk = ISSUER.keyPair(ISSUER.currentKeyId(JWSAlgorithm.RS256)).toJSONString();
        assertThatThrownBy(() -> JwtVerifier.forKeys(config(), privateJwk))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(privateJwk.substring(20, 60));
    }

    @Test
    void hmacSecretShorterThan256BitsRefusesToStart() {
        assertThatThrownBy(() -> JwtVerifier.forHmacSecret(config(), new byte[31]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256 bits");
    }

    @Test
    void hmacTokensVerifyWithTheConfiguredSecretOnly() throws Exception {
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        try (JwtVerifier verifier = JwtVerifier.forHmacSecret(config(), secret)) {
            String token = Tokens.hmac(secret, "HS256", Map.of("alg", "HS256", "typ", "JWT"),
                    Map.of("iss", ISSUER.issuer(), "aud", "orders-api", "exp", Tokens.inMinutes(5), "sub", "svc"));
            assertThat(verifier.verify(token).subject()).contains("svc");

            String rs256 = ISSUER.token().audience("orders-api").sign();
            assertThatThrownBy(() -> verifier.verify(rs256)).isInstanceOfSatisfying(TokenRejectedException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.ALGORITHM_NOT_ALLOWED));
        }
    }

    @Test
    void severalIssuersSideBySide() {
        try (TestIssuer other = TestIssuer.create().start();
             JwtVerifier verifier = JwtVerifier.anyOf(List.of(
                     JwtVerifier.forJwksUri(config(), ISSUER.jwksUri()),
                     JwtVerifier.forIssuer(JwtVerifierConfig.defaults(other.issuer(), "orders-api"))))) {
            assertThat(verifier.verify(ISSUER.token().audience("orders-api").sign()).issuer()).isEqualTo(ISSUER.issuer());
            assertThat(verifier.verify(other.token().audience("orders-api").sign()).issuer()).isEqualTo(other.issuer());

            // A token claiming one issuer but signed by the other's key is not accepted.
            String forged = other.token().issuer(ISSUER.issuer()).audience("orders-api").sign();
            assertThatThrownBy(() -> verifier.verify(forged)).isInstanceOfSatisfying(TokenRejectedException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY));
            assertThat(verifier.issuers()).containsExactlyInAnyOrder(ISSUER.issuer(), other.issuer());
        }
    }

    @Test
    void rfc9068PresetAcceptsOnlyAtJwt() {
        JwtVerifierConfig strict = JwtVerifierConfig.from(config()).rfc9068AccessTokensOnly().build();
        try (JwtVerifier verifier = JwtVerifier.forJwksUri(strict, ISSUER.jwksUri())) {
            assertThat(verifier.verify(ISSUER.token().type("at+jwt").audience("orders-api").sign()).issuer()).isEqualTo(ISSUER.issuer());
            assertThat(verifier.verify(ISSUER.token().type("application/at+jwt").audience("orders-api").sign()).issuer()).isEqualTo(ISSUER.issuer());
            for (String typ : new String[] {"JWT", null}) {
                String token = ISSUER.token().type(typ).audience("orders-api").sign();
                assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TYPE_NOT_ALLOWED));
            }
        }
    }

    @Test
    void verifiesTheAuthorizationHeaderOfARequest() {
        try (JwtVerifier verifier = JwtVerifier.forJwksUri(config(), ISSUER.jwksUri())) {
            String token = ISSUER.token().audience("orders-api").scope("orders:write").sign();

            VerifiedToken verified = verifier.verifyAuthorizationHeader(Optional.of("bEaReR " + token)).requireScope("orders:write");

            assertThat(verified.subject()).contains("test-user");
        }
    }

    @Test
    void configRefusesHmacInTheKeySetAllowList() {
        assertThatThrownBy(() -> JwtVerifierConfig.builder(ISSUER.issuer(), "a").algorithms(Set.of("RS256", "HS256")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HMAC");
        assertThatThrownBy(() -> JwtVerifierConfig.builder(ISSUER.issuer(), "a").algorithms(Set.of("none")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void insecureKeyUrlsAreRefusedExceptLoopback() {
        assertThatThrownBy(() -> JwtVerifier.forJwksUri(config(), java.net.URI.create("http://idp.example.com/jwks")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
        assertThatThrownBy(() -> JwtVerifier.forIssuer(JwtVerifierConfig.defaults("http://idp.example.com", "a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
    }

    @Test
    void keySetLargerThanTheSizeLimitIsNotLoaded() {
        try (TestIssuer bloated = TestIssuer.create().start()) {
            bloated.publishRaw(Map.of("kty", "oct", "kid", "padding", "k", "A".repeat(60 * 1024)));
            try (JwtVerifier verifier = JwtVerifier.forJwksUri(JwtVerifierConfig.defaults(bloated.issuer(), "orders-api"), bloated.jwksUri())) {
                String token = bloated.token().audience("orders-api").sign();

                assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE));
                assertThat(verifier.keyHealth().check().status()).isEqualTo(HealthStatus.DOWN);
            }
        }
    }

    static String pem(RSAKey key) throws Exception {
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.toRSAPublicKey().getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
    }
}
