package io.github.microkit.samples.e2e;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

/**
 * mock-oauth2-server in the test's JVM on 127.0.0.1: the services find its keys by OIDC discovery. Started by its
 * constructor (close it when done), or, made by {@link #forTestClass()} and registered on a static field, once for
 * a test class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final IdentityProvider idp = IdentityProvider.forTestClass();
 * }</pre>
 */
final class IdentityProvider implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private final MockOAuth2Server server;
    private boolean started;

    IdentityProvider() throws Exception {
        this(0);
    }

    /** On {@code port} (0: any free one); the issuer is {@code http://localhost:<port>/default}. */
    IdentityProvider(int port) throws Exception {
        this(new MockOAuth2Server());
        start(port);
    }

    private IdentityProvider(MockOAuth2Server server) {
        this.server = server;
    }

    /** Not started yet: a {@code @RegisterExtension} field starts it before the class's tests and stops it after. */
    static IdentityProvider forTestClass() {
        return new IdentityProvider(new MockOAuth2Server());
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start(0);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (started) { // not when the start failed: that failure is the one to report
            close();
        }
    }

    private void start(int port) throws Exception {
        server.start(InetAddress.getByName("127.0.0.1"), port);
        started = true;
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
