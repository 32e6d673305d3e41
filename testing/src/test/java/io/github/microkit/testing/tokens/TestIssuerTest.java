package io.github.microkit.testing.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TestIssuerTest {

    @RegisterExtension
    static final TestIssuer ISSUER = TestIssuer.create();

    private static String get(URI uri) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(1000);
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    @Test
    void servesDiscoveryPointingAtItsKeySet() throws Exception {
        Map<String, Object> doc = JSONObjectUtils.parse(get(ISSUER.discoveryUri()));

        assertThat(doc).containsEntry("issuer", ISSUER.issuer()).containsEntry("jwks_uri", ISSUER.jwksUri().toString());
        assertThat(ISSUER.issuer()).startsWith("http://127.0.0.1:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256", "EdDSA"})
    void signsTokensThatVerifyWithThePublishedKeys(String alg) throws Exception {
        JWKSet published = JWKSet.parse(get(ISSUER.jwksUri()));
        SignedJWT jwt = SignedJWT.parse(ISSUER.token().algorithm(JWSAlgorithm.parse(alg)).audience("a").scope("s").sign());
        JWK key = published.getKeyByKeyId(jwt.getHeader().getKeyID());

        assertThat(key.isPrivate()).isFalse();
        boolean valid = switch (alg) {
            case "RS256" -> jwt.verify(new RSASSAVerifier((RSAKey) key));
            case "ES256" -> jwt.verify(new ECDSAVerifier((ECKey) key));
            default -> jwt.verify(new Ed25519Verifier((OctetKeyPair) key));
        };
        assertThat(valid).isTrue();
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(ISSUER.issuer());
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("a");
        assertThat(jwt.getJWTClaimsSet().getExpirationTime()).isInTheFuture();
    }

    @Test
    void rotationPublishesTheNewKeyBesideTheOldUntilRetired() throws Exception {
        try (TestIssuer issuer = TestIssuer.create().start()) {
            String old = issuer.currentKeyId(JWSAlgorithm.RS256);
            String fresh = issuer.rotate(JWSAlgorithm.RS256);

            assertThat(JWKSet.parse(get(issuer.jwksUri())).getKeyByKeyId(old)).isNotNull();
            assertThat(SignedJWT.parse(issuer.token().sign()).getHeader().getKeyID()).isEqualTo(fresh);

            issuer.retire(old);
            assertThat(JWKSet.parse(get(issuer.jwksUri())).getKeyByKeyId(old)).isNull();
            assertThat(SignedJWT.parse(issuer.token().keyId(old).sign()).getHeader().getKeyID()).isEqualTo(old);
        }
    }

    @Test
    void stopsAndStartsAgainOnTheSamePort() throws Exception {
        try (TestIssuer issuer = TestIssuer.create().start()) {
            URI jwks = issuer.jwksUri();
            issuer.stop();
            assertThatThrownBy(() -> get(jwks)).isInstanceOf(ConnectException.class);

            issuer.start();
            assertThat(issuer.jwksUri()).isEqualTo(jwks);
            assertThat(get(jwks)).contains("\"keys\"");
            assertThat(issuer.jwksRequests()).isEqualTo(1);
        }
    }
}
