package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.auth.TokenRejectedException.Reason;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real OIDC server (mock-oauth2-server, in-process on 127.0.0.1): discovery, JWKS, client credentials. */
class MockOAuth2ServerTest {

    private static MockOAuth2Server server;
    private static String issuer;
    private static URI tokenEndpoint;

    @BeforeAll
    static void startServer() throws Exception {
        server = new MockOAuth2Server();
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        issuer = server.issuerUrl("default").toString();
        tokenEndpoint = server.tokenEndpointUrl("default").uri();
    }

    @AfterAll
    static void stopServer() {
        server.shutdown();
    }

    /** Generous timeouts: these tests are about the protocol, and a loaded CI machine is slow to answer. */
    private static JwtVerifierConfig config() {
        return JwtVerifierConfig.builder(issuer, "orders-api").keyFetchTimeout(Duration.ofSeconds(5)).keyCacheTtl(Duration.ofMinutes(1)).build();
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static DefaultOAuth2TokenCallback callback(String subject, String scope, long lifetimeSeconds) {
        return new DefaultOAuth2TokenCallback("default", subject, "JWT", List.of("orders-api"),
                Map.of("scope", scope, "azp", "orders-web", "realm_access", Map.of("roles", List.of("clerk"))), lifetimeSeconds);
    }

    @Test
    void verifiesTokensWithKeysFoundByDiscovery() {
        try (JwtVerifier verifier = JwtVerifier.forIssuer(config())) {
            String token = server.issueToken("default", "orders-web", callback("user-1", "orders:write", 3600)).serialize();

            VerifiedToken verified = verifier.verify(token);

            assertThat(verified.issuer()).isEqualTo(issuer);
            assertThat(verified.subject()).contains("user-1");
            assertThat(verified.scopes()).containsExactly("orders:write");
            assertThat(verified.roles()).containsExactly("clerk");
            assertThat(verified.stringClaim("azp")).contains("orders-web");
        }
    }

    @Test
    void tokenForAnotherAudienceFromTheSameServerIsRejected() {
        try (JwtVerifier verifier = JwtVerifier.forIssuer(config())) {
            String token = server.issueToken("default", "billing", new DefaultOAuth2TokenCallback("default", "user-1", "JWT",
                    List.of("billing-api"), Map.of(), 3600)).serialize();

            assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenRejectedException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_AUDIENCE));
        }
    }

    @Test
    void clientCredentialsTokenIsCachedAndVerifies() {
        server.enqueueCallback(callback("orders-producer", "orders:write", 3600));
        ClientCredentialsTokenProvider tokens = ClientCredentialsTokenProvider
                .builder(tokenEndpoint, "orders-producer", "producer-secret").scope("orders:write").timeout(TIMEOUT).build();
        try (JwtVerifier verifier = JwtVerifier.forIssuer(config())) {
            String first = tokens.accessToken();

            assertThat(verifier.verify(first).requireScope("orders:write").subject()).contains("orders-producer");
            assertThat(tokens.accessToken()).isSameAs(first);
            assertThat(tokens.toString()).doesNotContain("producer-secret").doesNotContain(first);
        }
    }

    @Test
    void concurrentCallersShareOneTokenRequest() throws Exception {
        ClientCredentialsTokenProvider tokens = ClientCredentialsTokenProvider
                .builder(tokenEndpoint, "orders-consumer", "consumer-secret").timeout(TIMEOUT).build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<String>> calls = java.util.Collections.nCopies(8, tokens::accessToken);
            Set<String> distinct = new java.util.HashSet<>();
            for (Future<String> f : pool.invokeAll(calls)) {
                distinct.add(f.get());
            }
            // Every request to the server mints a new token (new jti): one distinct token means one request.
            assertThat(distinct).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void tokenIsRefreshedShortlyBeforeExpiry() {
        MutableClock clock = MutableClock.startingNow();
        ClientCredentialsTokenProvider tokens = ClientCredentialsTokenProvider
                .builder(tokenEndpoint, "orders-refresh", "refresh-secret").refreshMargin(Duration.ofSeconds(30)).clock(clock).timeout(TIMEOUT).build();
        String first = tokens.accessToken();
        Duration untilRefresh = Duration.between(clock.instant(), tokens.expiresAt().orElseThrow()).minusSeconds(30);

        clock.advance(untilRefresh.minusSeconds(1));
        assertThat(tokens.accessToken()).isSameAs(first);

        clock.advance(Duration.ofSeconds(2));
        assertThat(tokens.accessToken()).isNotEqualTo(first);
    }

    @Test
    void unreachableTokenEndpointIsARetryableError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ClientCredentialsTokenProvider tokens = ClientCredentialsTokenProvider
                .builder(URI.create("http://127.0.0.1:" + port + "/token"), "c", "very-secret-value").timeout(Duration.ofMillis(500)).build();

        assertThatThrownBy(tokens::accessToken).isInstanceOfSatisfying(TokenRequestException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).doesNotContain("very-secret-value");
        });
    }

    @Test
    void plainHttpTokenEndpointIsRefusedUnlessLoopback() {
        assertThatThrownBy(() -> ClientCredentialsTokenProvider.builder(URI.create("http://idp.example.com/token"), "c", "s"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
