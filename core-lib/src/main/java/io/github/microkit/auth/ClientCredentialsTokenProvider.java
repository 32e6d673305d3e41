package io.github.microkit.auth;

import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access tokens for service-to-service calls by the OAuth 2.0 client-credentials grant, on nimbus
 * {@code oauth2-oidc-sdk}. The token is cached until shortly before it expires; one thread refreshes while
 * the others wait for that one request instead of sending their own. If a refresh fails while the cached
 * token is still valid, the cached token is returned and the failure logged.
 *
 * <pre>{@code
 * ClientCredentialsTokenProvider tokens = ClientCredentialsTokenProvider
 *         .builder(URI.create("https://idp.example.com/token"), "orders-producer", secret)
 *         .scope("inventory:read")
 *         .build();
 * request.header("Authorization", "Bearer " + tokens.accessToken());
 * }</pre>
 */
public final class ClientCredentialsTokenProvider {

    private static final Logger LOG = LoggerFactory.getLogger(ClientCredentialsTokenProvider.class);

    private final URI tokenEndpoint;
    private final ClientAuthentication authentication;
    private final Scope scope;
    private final Map<String, List<String>> extraParameters;
    private final Duration refreshMargin;
    private final Duration defaultLifetime;
    private final int timeoutMillis;
    private final Clock clock;
    private final ReentrantLock refreshLock = new ReentrantLock();
    private volatile Cached cached;

    private ClientCredentialsTokenProvider(Builder b) {
        this.tokenEndpoint = b.tokenEndpoint;
        ClientID client = new ClientID(b.clientId);
        Secret secret = new Secret(b.clientSecret);
        this.authentication = b.secretInBody ? new ClientSecretPost(client, secret) : new ClientSecretBasic(client, secret);
        this.scope = b.scope == null ? null : Scope.parse(b.scope);
        this.extraParameters = b.audience == null ? Map.of() : Map.of("audience", List.of(b.audience));
        this.refreshMargin = b.refreshMargin;
        this.defaultLifetime = b.defaultLifetime;
        this.timeoutMillis = (int) b.timeout.toMillis();
        this.clock = b.clock;
    }

    /**
     * @param tokenEndpoint https, or http to loopback
     * @param clientSecret  kept in memory only for the requests; never logged
     */
    public static Builder builder(URI tokenEndpoint, String clientId, String clientSecret) {
        return new Builder(tokenEndpoint, clientId, clientSecret);
    }

    /**
     * A valid access token, from the cache or freshly requested.
     *
     * @throws TokenRequestException when none can be obtained and no cached one is still valid
     */
    public String accessToken() {
        Cached c = cached;
        if (c != null && clock.instant().isBefore(c.refreshAt)) {
            return c.value;
        }
        refreshLock.lock();
        try {
            c = cached;
            Instant now = clock.instant();
            if (c != null && now.isBefore(c.refreshAt)) {
                return c.value; // another thread refreshed while this one waited
            }
            try {
                Cached fresh = request(now);
                cached = fresh;
                return fresh.value;
            } catch (TokenRequestException e) {
                if (c != null && now.isBefore(c.expiresAt)) {
                    LOG.warn("Refreshing the access token failed ({}); using the cached one until {}", e.getMessage(), c.expiresAt);
                    return c.value;
                }
                throw e;
            }
        } finally {
            refreshLock.unlock();
        }
    }

    /** When the cached token expires, if there is one. */
    public Optional<Instant> expiresAt() {
        Cached c = cached;
        return c == null ? Optional.empty() : Optional.of(c.expiresAt);
    }

    /** Drops the cached token, e.g. after a resource server answered 401 with it. */
    public void invalidate() {
        cached = null;
    }

    private Cached request(Instant now) {
        TokenRequest request = new TokenRequest(tokenEndpoint, authentication, new ClientCredentialsGrant(), scope, null, extraParameters);
        HTTPRequest http = request.toHTTPRequest();
        http.setConnectTimeout(timeoutMillis);
        http.setReadTimeout(timeoutMillis);
        http.setFollowRedirects(false);
        HTTPResponse response;
        try {
            response = http.send();
        } catch (IOException e) {
            throw TokenRequestException.unreachable(tokenEndpoint.toString(), e);
        }
        TokenResponse parsed;
        try {
            parsed = TokenResponse.parse(response);
        } catch (ParseException e) {
            throw TokenRequestException.malformed(tokenEndpoint.toString(), e);
        }
        if (!parsed.indicatesSuccess()) {
            ErrorObject error = ((TokenErrorResponse) parsed).getErrorObject();
            throw TokenRequestException.refused(tokenEndpoint.toString(), response.getStatusCode(), error == null ? null : error.getCode());
        }
        AccessToken token = parsed.toSuccessResponse().getTokens().getAccessToken();
        Duration lifetime = token.getLifetime() > 0 ? Duration.ofSeconds(token.getLifetime()) : defaultLifetime;
        // Refresh a margin before expiry, but never sooner than half-way through a short-lived token.
        Duration margin = refreshMargin.compareTo(lifetime.dividedBy(2)) < 0 ? refreshMargin : lifetime.dividedBy(2);
        Instant expiresAt = now.plus(lifetime);
        LOG.debug("Obtained an access token from {} valid for {}", tokenEndpoint, lifetime);
        return new Cached(token.getValue(), expiresAt.minus(margin), expiresAt);
    }

    @Override
    public String toString() {
        return "ClientCredentialsTokenProvider{endpoint=" + tokenEndpoint + ", client=" + authentication.getClientID() + "}";
    }

    private record Cached(String value, Instant refreshAt, Instant expiresAt) {
        @Override
        public String toString() {
            return "Cached{expiresAt=" + expiresAt + "}";
        }
    }

    /** Validating builder. */
    public static final class Builder {
        private final URI tokenEndpoint;
        private final String clientId;
        private final String clientSecret;
        private String scope;
        private String audience;
        private boolean secretInBody;
        private Duration refreshMargin = Duration.ofSeconds(30);
        private Duration defaultLifetime = Duration.ofMinutes(1);
        private Duration timeout = Duration.ofSeconds(5);
        private Clock clock = Clock.systemUTC();

        private Builder(URI tokenEndpoint, String clientId, String clientSecret) {
            this.tokenEndpoint = Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
            RemoteKeys.requireSecure(tokenEndpoint);
            if (clientId.isBlank() || clientSecret.isEmpty()) {
                throw new IllegalArgumentException("client id and secret must not be empty");
            }
        }

        /** Space-separated scopes to request. */
        public Builder scope(String scope) {
            this.scope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /** An {@code audience} parameter (Auth0, Keycloak token exchange); not part of RFC 6749. */
        public Builder audience(String audience) {
            this.audience = Objects.requireNonNull(audience, "audience");
            return this;
        }

        /** Send the secret in the form body ({@code client_secret_post}) instead of HTTP Basic. */
        public Builder secretInBody(boolean secretInBody) {
            this.secretInBody = secretInBody;
            return this;
        }

        /** How long before expiry the token is refreshed (default 30 s). */
        public Builder refreshMargin(Duration margin) {
            Objects.requireNonNull(margin, "margin");
            if (margin.isNegative()) {
                throw new IllegalArgumentException("refreshMargin must not be negative");
            }
            this.refreshMargin = margin;
            return this;
        }

        /** Lifetime assumed when the server sends no {@code expires_in} (default 1 minute). */
        public Builder defaultLifetime(Duration lifetime) {
            Objects.requireNonNull(lifetime, "lifetime");
            if (lifetime.isNegative() || lifetime.isZero()) {
                throw new IllegalArgumentException("defaultLifetime must be positive");
            }
            this.defaultLifetime = lifetime;
            return this;
        }

        /** Connect and read timeout each (default 5 s). */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 10 || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("timeout must be 10 ms to 1 minute");
            }
            this.timeout = timeout;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public ClientCredentialsTokenProvider build() {
            return new ClientCredentialsTokenProvider(this);
        }
    }
}
