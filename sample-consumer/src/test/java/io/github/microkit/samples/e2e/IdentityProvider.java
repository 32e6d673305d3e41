package io.github.microkit.samples.e2e;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

/** mock-oauth2-server in the test's JVM on 127.0.0.1: the services find its keys by OIDC discovery. */
final class IdentityProvider implements AutoCloseable {

    private final MockOAuth2Server server = new MockOAuth2Server();

    IdentityProvider() throws Exception {
        this(0);
    }

    /** On {@code port} (0: any free one); the issuer is {@code http://localhost:<port>/default}. */
    IdentityProvider(int port) throws Exception {
        server.start(InetAddress.getByName("127.0.0.1"), port);
        // the first requests to a cold server can take longer than the verifier's 500 ms fetch timeout on a
        // busy machine: serve discovery and keys once here, so the services' warm-up finds a warm server
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (String path : new String[] {"/.well-known/openid-configuration", "/jwks"}) {
            http.send(HttpRequest.newBuilder(URI.create(issuer() + path)).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    String issuer() {
        return server.issuerUrl("default").toString();
    }

    /** A token for audience {@code orders-api} with {@code scope}, valid for {@code lifetimeSeconds} (negative: expired). */
    String token(String subject, String scope, long lifetimeSeconds) {
        return server.issueToken("default", subject, new DefaultOAuth2TokenCallback("default", subject, "JWT",
                List.of("orders-api"), Map.of("scope", scope), lifetimeSeconds)).serialize();
    }

    String writer() {
        return token("e2e-client", "orders:write orders:read", 3600);
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
