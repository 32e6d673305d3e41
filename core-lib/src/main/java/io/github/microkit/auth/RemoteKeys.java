package io.github.microkit.auth;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSetUnavailableException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys from a JWKS URL, given or found by OIDC discovery, through nimbus's {@code JWKSourceBuilder} with
 * caching, refresh ahead of expiry, rate limiting, one retry and outage tolerance all switched on.
 *
 * <p>Discovery is lazy and retried: an identity provider that is down when the service starts must not
 * stop the start (the warm-up only logs), and requests meanwhile get 503, not 401. A failed warm-up is
 * retried in the background with a bounded exponential backoff until keys arrive, because a service
 * whose readiness says "no keys" gets no request that would fetch them. The retry thread exists only
 * while keys are missing and stops on close.
 */
final class RemoteKeys implements KeyResolver {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteKeys.class);
    private static final JWKSelector ALL_KEYS = new JWKSelector(new JWKMatcher.Builder().build());

    private final JwtVerifierConfig config;
    private final URI issuerOrJwks;
    private final boolean discover;
    private final MonitoredRetriever retriever;
    private final ResourceRetriever discoveryRetriever;
    private volatile JWKSource<SecurityContext> source;
    private volatile URI jwksUri;
    private volatile long lastDiscoveryAttempt = Long.MIN_VALUE;
    /** Background warm-up retries: created on the first failed warm-up, shut down on success or close. */
    private final Object retryLock = new Object();
    private ScheduledExecutorService retrier;
    private ScheduledFuture<?> pendingRetry;
    private Duration retryDelay;
    private int retries;
    private boolean closed;

    private RemoteKeys(JwtVerifierConfig config, URI uri, boolean discover) {
        this.config = config;
        this.issuerOrJwks = uri;
        this.discover = discover;
        requireSecure(uri);
        this.retriever = new MonitoredRetriever(config);
        int timeout = (int) config.keyFetchTimeout().toMillis();
        this.discoveryRetriever = new DefaultResourceRetriever(timeout, timeout, config.keySetSizeLimit());
        if (!discover) {
            this.jwksUri = uri;
            this.source = build(uri);
        }
    }

    static RemoteKeys jwks(JwtVerifierConfig config, URI jwksUri) {
        return new RemoteKeys(config, jwksUri, false);
    }

    static RemoteKeys discover(JwtVerifierConfig config) {
        URI issuer;
        try {
            issuer = new URI(config.issuer());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("issuer is not a URI; configure a JWKS URI instead");
        }
        return new RemoteKeys(config, issuer, true);
    }

    /** HTTPS, or plain HTTP to a loopback address (tests, a sidecar on the same host). */
    static void requireSecure(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https")) {
            return;
        }
        if (scheme.equals("http") && isLoopback(uri.getHost())) {
            return;
        }
        throw new IllegalArgumentException("key and discovery URLs must use https (plain http only to loopback): " + uri);
    }

    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        // Only IP literals: resolving a name here would let DNS decide whether plain http is allowed.
        if (!literal.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    private JWKSource<SecurityContext> build(URI jwks) {
        requireSecure(jwks);
        URL url;
        try {
            url = jwks.toURL();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: " + jwks);
        }
        long ttl = config.keyCacheTtl().toMillis();
        return JWKSourceBuilder.<SecurityContext>create(url, retriever)
                .cache(ttl, JwtVerifierConfig.cacheRefreshTimeout(config.keyFetchTimeout()).toMillis())
                .refreshAheadCache(config.keyRefreshAhead().toMillis(), false)
                .rateLimited(config.keyRefreshRateLimit().toMillis())
                .retrying(true)
                .outageTolerant(ttl + config.keyMaxStaleness().toMillis())
                .build();
    }

    private JWKSource<SecurityContext> source() {
        JWKSource<SecurityContext> s = source;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            if (source != null) {
                return source;
            }
            long now = System.nanoTime();
            // Discovery shares the key set's rate limit: a down IdP is asked at most once per interval.
            if (lastDiscoveryAttempt != Long.MIN_VALUE && now - lastDiscoveryAttempt < config.keyRefreshRateLimit().toNanos()) {
                throw unavailable("issuer discovery failed recently; not retried yet", null);
            }
            lastDiscoveryAttempt = now;
            URI discovered = discoverJwksUri();
            source = build(discovered);
            jwksUri = discovered;
            LOG.info("Discovered key set {} for issuer {}", discovered, config.issuer());
            return source;
        }
    }

    private URI discoverJwksUri() {
        String base = config.issuer().endsWith("/") ? config.issuer().substring(0, config.issuer().length() - 1) : config.issuer();
        URI discoveryUri = URI.create(base + "/.well-known/openid-configuration");
        try {
            Resource doc = discoveryRetriever.retrieveResource(discoveryUri.toURL());
            OIDCProviderMetadata metadata = OIDCProviderMetadata.parse(doc.getContent());
            if (!config.issuer().equals(metadata.getIssuer().getValue())) {
                throw unavailable("discovery document at " + discoveryUri + " names another issuer", null);
            }
            if (metadata.getJWKSetURI() == null) {
                throw unavailable("discovery document at " + discoveryUri + " has no jwks_uri", null);
            }
            URI jwks = metadata.getJWKSetURI();
            requireSecure(jwks);
            return jwks;
        } catch (IOException | ParseException | IllegalArgumentException e) {
            throw unavailable("issuer discovery at " + discoveryUri + " failed (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private TokenRejectedException unavailable(String detail, Throwable cause) {
        return TokenRejectedException.keysUnavailable(detail, config.unavailableRetryAfter(), cause);
    }

    @Override
    public List<JWK> keysFor(JWSHeader header) {
        JWKMatcher matcher = JWKMatcher.forJWSHeader(header);
        if (matcher == null) {
            return List.of();
        }
        try {
            List<JWK> keys = source().get(new JWKSelector(matcher), null);
            if (keys.isEmpty() && failing()) {
                // Maybe a key the provider introduced while it became unreachable: we cannot tell, so 503.
                throw unavailable("no matching key, and the key set " + describe() + " cannot be refreshed", null);
            }
            return keys;
        } catch (RateLimitReachedException e) {
            // An unknown kid within the rate-limit interval: the token is rejected, unless the provider is
            // away (no keys ever, or the last download failed), in which case the token may well be fine.
            if (retriever.lastSuccessMillis < 0 || failing()) {
                throw unavailable("no matching key from " + describe() + "; refetch rate-limited while the key set is unavailable", e);
            }
            throw TokenRejectedException.of(TokenRejectedException.Reason.UNKNOWN_KEY, "no matching key; key set refetch rate-limited", e);
        } catch (JWKSetUnavailableException e) {
            throw unavailable("key set " + describe() + " unavailable (" + e.getClass().getSimpleName() + ")", e);
        } catch (KeySourceException e) {
            throw unavailable("key source " + describe() + " failed (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** The last key-set download failed (or none succeeded yet). */
    private boolean failing() {
        return retriever.lastSuccessMillis < 0 || retriever.lastFailureMillis > retriever.lastSuccessMillis;
    }

    @Override
    public void warmUp() {
        try {
            List<JWK> keys = source().get(ALL_KEYS, null);
            LOG.info("Loaded {} keys from {}", keys.size(), describe());
        } catch (KeySourceException | RuntimeException e) {
            LOG.warn("Key warm-up from {} failed ({}); requests get 503 until keys can be fetched, retrying in the "
                    + "background (backoff {} ms to {} ms)", describe(), e.getMessage(), config.keyWarmUpRetryInitial().toMillis(),
                    config.keyWarmUpRetryMax().toMillis());
            scheduleRetry();
        }
    }

    /** Schedules the next background attempt unless one is pending, keys arrived, or we are closed. */
    private void scheduleRetry() {
        synchronized (retryLock) {
            if (closed || retriever.lastSuccessMillis >= 0 || (pendingRetry != null && !pendingRetry.isDone())) {
                return;
            }
            if (retrier == null) {
                retrier = Executors.newSingleThreadScheduledExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "microkit-jwks-warm-up");
                    thread.setDaemon(true); // never keeps a JVM alive that forgot to close the verifier
                    return thread;
                });
            }
            Duration delay = retryDelay == null ? config.keyWarmUpRetryInitial() : retryDelay;
            retryDelay = min(delay.multipliedBy(2), config.keyWarmUpRetryMax());
            pendingRetry = retrier.schedule(this::retryWarmUp, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void retryWarmUp() {
        if (retriever.lastSuccessMillis < 0) { // a request may have fetched the keys meanwhile
            int attempt;
            synchronized (retryLock) {
                attempt = ++retries;
            }
            try {
                List<JWK> keys = source().get(ALL_KEYS, null);
                LOG.info("Loaded {} keys from {} (background retry {} after a failed warm-up)", keys.size(), describe(), attempt);
            } catch (KeySourceException | RuntimeException e) {
                // Debug only: the warm-up's warning said it is retrying, and readiness shows the state.
                LOG.debug("Background key retry {} from {} failed ({})", attempt, describe(), e.getMessage());
            }
        }
        synchronized (retryLock) {
            pendingRetry = null;
            if (retriever.lastSuccessMillis >= 0) {
                stopRetries();
                return;
            }
        }
        scheduleRetry();
    }

    /** Called with retryLock held. */
    private void stopRetries() {
        if (retrier != null) {
            retrier.shutdownNow();
            retrier = null;
        }
        pendingRetry = null;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public HealthCheck health() {
        return () -> {
            long now = System.currentTimeMillis(); // wall time, like nimbus's cache; the config's clock is for claims
            long success = retriever.lastSuccessMillis;
            long failure = retriever.lastFailureMillis;
            String where = describe();
            if (success < 0) {
                int retried = retriesSoFar();
                Health down = Health.down("no signing keys obtained yet from " + where
                        + (retrying() ? "; retrying in the background" : ""));
                return failure < 0 ? down.withFacts(Map.of("warmUpRetries", retried))
                        : down.withFacts(Map.of("lastError", retriever.lastError, "warmUpRetries", retried));
            }
            long ageSeconds = Math.max(0, (now - success) / 1000);
            if (failure > success) {
                Duration usable = config.keyCacheTtl().plus(config.keyMaxStaleness());
                if (now - success > usable.toMillis()) {
                    return Health.down("keys from " + where + " are older than the maximum staleness")
                            .withFacts(Map.of("keysAgeSeconds", ageSeconds, "lastError", retriever.lastError));
                }
                return Health.degraded("key endpoint " + where + " failing; using keys fetched " + ageSeconds + " s ago")
                        .withFacts(Map.of("keysAgeSeconds", ageSeconds, "lastError", retriever.lastError));
            }
            return Health.up("keys from " + where).withFacts(Map.of("keysAgeSeconds", ageSeconds));
        };
    }

    @Override
    public String describe() {
        URI jwks = jwksUri;
        return jwks != null ? jwks.toString() : "discovery of " + issuerOrJwks;
    }

    private int retriesSoFar() {
        synchronized (retryLock) {
            return retries;
        }
    }

    private boolean retrying() {
        synchronized (retryLock) {
            return pendingRetry != null && !pendingRetry.isDone();
        }
    }

    @Override
    public void close() {
        synchronized (retryLock) {
            closed = true;
            stopRetries();
        }
        JWKSource<SecurityContext> s = source;
        if (s instanceof Closeable c) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("closing key source failed", e);
            }
        }
    }

    /**
     * nimbus's retriever with our timeouts and size limit, refusing insecure URLs and recording each
     * download's outcome for the health check (nimbus's own health events cannot tell a fresh key set
     * from one its outage tolerance served).
     */
    private static final class MonitoredRetriever implements ResourceRetriever {
        private final DefaultResourceRetriever delegate;
        volatile long lastSuccessMillis = -1;
        volatile long lastFailureMillis = -1;
        volatile String lastError = "";

        MonitoredRetriever(JwtVerifierConfig config) {
            int timeout = (int) config.keyFetchTimeout().toMillis();
            this.delegate = new DefaultResourceRetriever(timeout, timeout, config.keySetSizeLimit());
        }

        @Override
        public Resource retrieveResource(URL url) throws IOException {
            try {
                requireSecure(url.toURI());
            } catch (java.net.URISyntaxException e) {
                throw new IOException("not a URI: " + url);
            }
            try {
                Resource resource = delegate.retrieveResource(url);
                lastSuccessMillis = System.currentTimeMillis();
                return resource;
            } catch (IOException | RuntimeException e) {
                lastError = e.getClass().getSimpleName();
                lastFailureMillis = System.currentTimeMillis();
                throw e;
            }
        }
    }
}
