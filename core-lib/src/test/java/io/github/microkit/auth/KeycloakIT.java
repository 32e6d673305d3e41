package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.microkit.auth.TokenRejectedException.Reason;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Keycloak's real tokens: nested realm and client roles, {@code azp}, its {@code typ}, an encryption key
 * in its JWKS. Opt-in, because Keycloak is a 170 MB download that needs JDK 21+:
 * {@code ./mvnw -pl core-lib -am verify -Pkeycloak -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=KeycloakIT}
 * (profile {@code keycloak} in core-lib/pom.xml unpacks it and sets {@code keycloak.home}).
 */
@EnabledIfSystemProperty(named = "keycloak.home", matches = ".+")
class KeycloakIT {

    private static final String REALM = """
            {
              "realm": "shop",
              "enabled": true,
              "roles": {
                "realm": [{"name": "clerk"}],
                "client": {"orders-api": [{"name": "orders-admin"}]}
              },
              "clients": [
                {"clientId": "orders-api", "enabled": true, "publicClient": false, "secret": "api-secret",
                 "standardFlowEnabled": false, "serviceAccountsEnabled": false},
                {"clientId": "orders-producer", "enabled": true, "publicClient": false, "secret": "producer-secret",
                 "standardFlowEnabled": false, "serviceAccountsEnabled": true,
                 "protocolMappers": [
                   {"name": "audience orders-api", "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
                    "config": {"included.client.audience": "orders-api", "access.token.claim": "true", "id.token.claim": "false"}}
                 ]}
              ],
              "users": [
                {"username": "service-account-orders-producer", "enabled": true, "serviceAccountClientId": "orders-producer",
                 "realmRoles": ["clerk"], "clientRoles": {"orders-api": ["orders-admin"]}}
              ]
            }
            """;

    private static Process keycloak;
    private static String issuer;
    private static URI tokenEndpoint;

    @BeforeAll
    static void startKeycloak() throws Exception {
        Path home = Path.of(System.getProperty("keycloak.home"));
        String javaHome = System.getProperty("keycloak.javaHome", System.getenv("JAVA_HOME"));
        Path imports = Files.createDirectories(home.resolve("data/import"));
        Files.writeString(imports.resolve("shop-realm.json"), REALM, StandardCharsets.UTF_8);
        int port = freePort();
        int managementPort = freePort();
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1", "--http-port=" + port, "--http-management-port=" + managementPort,
                "--import-realm", "--cache=local")
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("keycloak.log").toFile());
        pb.environment().put("JAVA_HOME", javaHome);
        keycloak = pb.start();
        issuer = "http://127.0.0.1:" + port + "/realms/shop";
        URI discovery = URI.create(issuer + "/.well-known/openid-configuration");
        // First start builds Keycloak's optimized image; on a loaded two-core machine that takes minutes.
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> {
                    assertThat(keycloak.isAlive()).as("Keycloak exited; see " + home.resolve("keycloak.log")).isTrue();
                    return status(discovery) == 200;
                });
        tokenEndpoint = URI.create(issuer + "/protocol/openid-connect/token");
    }

    @AfterAll
    static void stopKeycloak() throws InterruptedException {
        if (keycloak != null) {
            List<ProcessHandle> children = keycloak.descendants().toList();
            keycloak.destroy();
            if (!keycloak.waitFor(30, TimeUnit.SECONDS)) {
                keycloak.destroyForcibly();
            }
            children.forEach(ProcessHandle::destroy);
        }
    }

    private static JwtVerifierConfig.Builder config() {
        return JwtVerifierConfig.builder(issuer, "orders-api").keycloakClientRoles("orders-api")
                .keyFetchTimeout(Duration.ofSeconds(5)).keyCacheTtl(Duration.ofMinutes(1));
    }

    private static String clientCredentialsToken() {
        return ClientCredentialsTokenProvider.builder(tokenEndpoint, "orders-producer", "producer-secret")
                .timeout(Duration.ofSeconds(30)).build().accessToken();
    }

    @Test
    void verifiesKeycloakTokensWithNestedRolesAndAzp() {
        try (JwtVerifier verifier = JwtVerifier.forIssuer(config().build())) {
            VerifiedToken token = verifier.verify(clientCredentialsToken());

            assertThat(token.issuer()).isEqualTo(issuer);
            assertThat(token.audiences()).contains("orders-api");
            assertThat(token.stringClaim("azp")).contains("orders-producer");
            assertThat(token.roles()).contains("clerk", "orders-admin");
            assertThat(token.subject()).isPresent();
            assertThat(verifier.keyHealth().check().status()).isEqualTo(io.github.microkit.health.HealthStatus.UP);
        }
    }

    @Test
    void keycloakTypIsJwtSoTheRfc9068PresetRejectsIt() {
        try (JwtVerifier verifier = JwtVerifier.forIssuer(config().rfc9068AccessTokensOnly().build())) {
            String token = clientCredentialsToken();
            assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenRejectedException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.TYPE_NOT_ALLOWED));
        }
    }

    @Test
    void tokenForAnotherAudienceIsRejected() {
        JwtVerifierConfig billing = JwtVerifierConfig.from(config().build()).audiences(java.util.Set.of("billing-api")).build();
        try (JwtVerifier verifier = JwtVerifier.forIssuer(billing)) {
            String token = clientCredentialsToken();
            assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenRejectedException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_AUDIENCE));
        }
    }

    private static int status(URI uri) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(5000);
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

}
