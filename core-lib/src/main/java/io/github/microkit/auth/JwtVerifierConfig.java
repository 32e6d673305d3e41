package io.github.microkit.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link JwtVerifier} accepts, immutable. Every value has a strict default; only the issuer and the
 * audience must be given:
 *
 * <pre>{@code
 * JwtVerifierConfig config = JwtVerifierConfig.defaults("https://idp.example.com/realms/shop", "orders-api");
 * JwtVerifierConfig strict = JwtVerifierConfig.from(config).rfc9068AccessTokensOnly().build();
 * }</pre>
 *
 * <p>The builder checks each value as it is set and the combination again in {@link Builder#build()}.
 */
public final class JwtVerifierConfig {

    /** Signature algorithms a key from a key set may use by default. */
    public static final Set<String> DEFAULT_ALGORITHMS = Set.of("RS256", "PS256", "ES256", "EdDSA");
    private static final Set<String> ASYMMETRIC = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "EdDSA");
    private static final Set<String> HMAC = Set.of("HS256", "HS384", "HS512");

    private final String issuer;
    private final Set<String> audiences;
    private final Set<String> algorithms;
    private final Set<String> hmacAlgorithms;
    private final Duration clockSkew;
    private final Set<String> allowedTypes;
    private final boolean typeMayBeAbsent;
    private final int maxTokenLength;
    private final int maxHeaderLength;
    private final int maxJsonDepth;
    private final List<List<String>> roleClaimPaths;
    private final boolean tokenCacheEnabled;
    private final int tokenCacheMaxEntries;
    private final Duration tokenCacheMaxAge;
    private final Duration keyCacheTtl;
    private final Duration keyRefreshAhead;
    private final Duration keyRefreshRateLimit;
    private final Duration keyMaxStaleness;
    private final Duration keyFetchTimeout;
    private final Duration keyWarmUpRetryInitial;
    private final Duration keyWarmUpRetryMax;
    private final int keySetSizeLimit;
    private final Duration unavailableRetryAfter;
    private final VerificationListener listener;
    private final Clock clock;

    private JwtVerifierConfig(Builder b) {
        this.issuer = b.issuer;
        this.audiences = Set.copyOf(b.audiences);
        this.algorithms = Set.copyOf(b.algorithms);
        this.hmacAlgorithms = Set.copyOf(b.hmacAlgorithms);
        this.clockSkew = b.clockSkew;
        this.allowedTypes = Set.copyOf(b.allowedTypes);
        this.typeMayBeAbsent = b.typeMayBeAbsent;
        this.maxTokenLength = b.maxTokenLength;
        this.maxHeaderLength = b.maxHeaderLength;
        this.maxJsonDepth = b.maxJsonDepth;
        List<List<String>> paths = new ArrayList<>();
        b.roleClaimPaths.forEach(p -> paths.add(List.copyOf(p)));
        this.roleClaimPaths = List.copyOf(paths);
        this.tokenCacheEnabled = b.tokenCacheEnabled;
        this.tokenCacheMaxEntries = b.tokenCacheMaxEntries;
        this.tokenCacheMaxAge = b.tokenCacheMaxAge;
        this.keyCacheTtl = b.keyCacheTtl;
        this.keyRefreshAhead = b.keyRefreshAhead;
        this.keyRefreshRateLimit = b.keyRefreshRateLimit;
        this.keyMaxStaleness = b.keyMaxStaleness;
        this.keyFetchTimeout = b.keyFetchTimeout;
        this.keyWarmUpRetryInitial = b.keyWarmUpRetryInitial;
        this.keyWarmUpRetryMax = b.keyWarmUpRetryMax;
        this.keySetSizeLimit = b.keySetSizeLimit;
        this.unavailableRetryAfter = b.unavailableRetryAfter;
        this.listener = b.listener;
        this.clock = b.clock;
    }

    /** The defaults for tokens from {@code issuer} meant for {@code audience}. */
    public static JwtVerifierConfig defaults(String issuer, String audience) {
        return builder(issuer, audience).build();
    }

    /** A builder holding the defaults. */
    public static Builder builder(String issuer, String audience) {
        return new Builder().issuer(issuer).audiences(Set.of(Objects.requireNonNull(audience, "audience")));
    }

    /** A builder holding {@code base}'s values. */
    public static Builder from(JwtVerifierConfig base) {
        return new Builder(Objects.requireNonNull(base, "base"));
    }

    /** The exact {@code iss} value accepted (no normalisation: a trailing slash is a different issuer). */
    public String issuer() { return issuer; }
    /** {@code aud} must name at least one of these. */
    public Set<String> audiences() { return audiences; }
    /** Algorithms allowed for keys from a key set or static keys. */
    public Set<String> algorithms() { return algorithms; }
    /** Algorithms allowed with a configured HMAC secret. */
    public Set<String> hmacAlgorithms() { return hmacAlgorithms; }
    public Duration clockSkew() { return clockSkew; }
    /** Allowed {@code typ} values, lower case without an {@code application/} prefix. */
    public Set<String> allowedTypes() { return allowedTypes; }
    public boolean typeMayBeAbsent() { return typeMayBeAbsent; }
    public int maxTokenLength() { return maxTokenLength; }
    public int maxHeaderLength() { return maxHeaderLength; }
    public int maxJsonDepth() { return maxJsonDepth; }
    /** Claim paths whose string arrays are read as roles, e.g. {@code [realm_access, roles]}. */
    public List<List<String>> roleClaimPaths() { return roleClaimPaths; }
    public boolean tokenCacheEnabled() { return tokenCacheEnabled; }
    public int tokenCacheMaxEntries() { return tokenCacheMaxEntries; }
    public Duration tokenCacheMaxAge() { return tokenCacheMaxAge; }
    public Duration keyCacheTtl() { return keyCacheTtl; }
    public Duration keyRefreshAhead() { return keyRefreshAhead; }
    public Duration keyRefreshRateLimit() { return keyRefreshRateLimit; }
    public Duration keyMaxStaleness() { return keyMaxStaleness; }
    public Duration keyFetchTimeout() { return keyFetchTimeout; }
    /** First delay of the background retries after a failed key warm-up; doubled after each failure. */
    public Duration keyWarmUpRetryInitial() { return keyWarmUpRetryInitial; }
    /** The longest delay between background warm-up retries. */
    public Duration keyWarmUpRetryMax() { return keyWarmUpRetryMax; }
    public int keySetSizeLimit() { return keySetSizeLimit; }
    public Duration unavailableRetryAfter() { return unavailableRetryAfter; }
    public VerificationListener listener() { return listener; }
    public Clock clock() { return clock; }

    @Override
    public String toString() {
        return "JwtVerifierConfig{issuer=" + issuer + ", audiences=" + audiences + ", algorithms=" + algorithms
                + ", clockSkew=" + clockSkew + ", types=" + allowedTypes + (typeMayBeAbsent ? "+absent" : "")
                + ", tokenCache=" + (tokenCacheEnabled ? tokenCacheMaxEntries + "/" + tokenCacheMaxAge : "off") + "}";
    }

    /** Validating builder; see the getters of {@link JwtVerifierConfig} for each value's meaning. */
    public static final class Builder {
        private String issuer;
        private Set<String> audiences = Set.of();
        private Set<String> algorithms = DEFAULT_ALGORITHMS;
        private Set<String> hmacAlgorithms = Set.of("HS256");
        private Duration clockSkew = Duration.ofSeconds(60);
        private Set<String> allowedTypes = Set.of("jwt", "at+jwt");
        private boolean typeMayBeAbsent = true;
        private int maxTokenLength = 16 * 1024;
        private int maxHeaderLength = 1024;
        private int maxJsonDepth = 16;
        private List<List<String>> roleClaimPaths = new ArrayList<>(List.of(List.of("realm_access", "roles"), List.of("roles")));
        private boolean tokenCacheEnabled = true;
        private int tokenCacheMaxEntries = 10_000;
        private Duration tokenCacheMaxAge = Duration.ofMinutes(2);
        private Duration keyCacheTtl = Duration.ofMinutes(5);
        private Duration keyRefreshAhead = Duration.ofSeconds(30);
        private Duration keyRefreshRateLimit = Duration.ofSeconds(30);
        private Duration keyMaxStaleness = Duration.ofHours(1);
        private Duration keyFetchTimeout = Duration.ofSeconds(1);
        private Duration keyWarmUpRetryInitial = Duration.ofSeconds(1);
        private Duration keyWarmUpRetryMax = Duration.ofSeconds(30);
        private int keySetSizeLimit = 50 * 1024;
        private Duration unavailableRetryAfter = Duration.ofSeconds(5);
        private VerificationListener listener = VerificationListener.NONE;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        private Builder(JwtVerifierConfig c) {
            issuer = c.issuer;
            audiences = c.audiences;
            algorithms = c.algorithms;
            hmacAlgorithms = c.hmacAlgorithms;
            clockSkew = c.clockSkew;
            allowedTypes = c.allowedTypes;
            typeMayBeAbsent = c.typeMayBeAbsent;
            maxTokenLength = c.maxTokenLength;
            maxHeaderLength = c.maxHeaderLength;
            maxJsonDepth = c.maxJsonDepth;
            roleClaimPaths = new ArrayList<>(c.roleClaimPaths);
            tokenCacheEnabled = c.tokenCacheEnabled;
            tokenCacheMaxEntries = c.tokenCacheMaxEntries;
            tokenCacheMaxAge = c.tokenCacheMaxAge;
            keyCacheTtl = c.keyCacheTtl;
            keyRefreshAhead = c.keyRefreshAhead;
            keyRefreshRateLimit = c.keyRefreshRateLimit;
            keyMaxStaleness = c.keyMaxStaleness;
            keyFetchTimeout = c.keyFetchTimeout;
            keyWarmUpRetryInitial = c.keyWarmUpRetryInitial;
            keyWarmUpRetryMax = c.keyWarmUpRetryMax;
            keySetSizeLimit = c.keySetSizeLimit;
            unavailableRetryAfter = c.unavailableRetryAfter;
            listener = c.listener;
            clock = c.clock;
        }

        public Builder issuer(String issuer) {
            Objects.requireNonNull(issuer, "issuer");
            require(!issuer.isBlank() && issuer.strip().equals(issuer), "issuer must be non-blank without surrounding spaces");
            this.issuer = issuer;
            return this;
        }

        public Builder audiences(Set<String> audiences) {
            Objects.requireNonNull(audiences, "audiences");
            require(!audiences.isEmpty(), "at least one audience is required");
            audiences.forEach(a -> require(a != null && !a.isBlank(), "audiences must be non-blank"));
            this.audiences = Set.copyOf(audiences);
            return this;
        }

        /** Asymmetric algorithms (RS*, PS*, ES*, EdDSA); HMAC is configured with {@link #hmacAlgorithms}. */
        public Builder algorithms(Set<String> algorithms) {
            Objects.requireNonNull(algorithms, "algorithms");
            require(!algorithms.isEmpty(), "at least one algorithm is required");
            for (String alg : algorithms) {
                require(!HMAC.contains(alg), alg + " is HMAC: it is allowed only with a secret (hmacAlgorithms)");
                require(ASYMMETRIC.contains(alg), "unsupported algorithm " + alg + "; supported: " + ASYMMETRIC);
            }
            this.algorithms = Set.copyOf(algorithms);
            return this;
        }

        public Builder hmacAlgorithms(Set<String> hmacAlgorithms) {
            Objects.requireNonNull(hmacAlgorithms, "hmacAlgorithms");
            require(!hmacAlgorithms.isEmpty(), "at least one HMAC algorithm is required");
            hmacAlgorithms.forEach(a -> require(HMAC.contains(a), "not an HMAC algorithm: " + a));
            this.hmacAlgorithms = Set.copyOf(hmacAlgorithms);
            return this;
        }

        public Builder clockSkew(Duration clockSkew) {
            Objects.requireNonNull(clockSkew, "clockSkew");
            require(!clockSkew.isNegative() && clockSkew.compareTo(Duration.ofMinutes(5)) <= 0, "clockSkew must be 0 to 5 minutes");
            this.clockSkew = clockSkew;
            return this;
        }

        /**
         * The accepted {@code typ} values (compared case-insensitively, {@code application/} prefix ignored)
         * and whether a token without {@code typ} is accepted.
         */
        public Builder allowedTypes(Set<String> types, boolean mayBeAbsent) {
            Objects.requireNonNull(types, "types");
            require(!types.isEmpty() || mayBeAbsent, "allow at least one typ or an absent typ");
            Set<String> normalised = new LinkedHashSet<>();
            types.forEach(t -> normalised.add(normaliseType(Objects.requireNonNull(t, "type"))));
            this.allowedTypes = Set.copyOf(normalised);
            this.typeMayBeAbsent = mayBeAbsent;
            return this;
        }

        /** RFC 9068 preset: only {@code typ: at+jwt}, so ID tokens and other JWTs cannot be replayed as access tokens. */
        public Builder rfc9068AccessTokensOnly() {
            return allowedTypes(Set.of("at+jwt"), false);
        }

        public Builder maxTokenLength(int chars) {
            require(chars >= 256 && chars <= 1024 * 1024, "maxTokenLength must be 256 to 1 MiB");
            this.maxTokenLength = chars;
            return this;
        }

        public Builder maxHeaderLength(int chars) {
            require(chars >= 64 && chars <= 64 * 1024, "maxHeaderLength must be 64 to 64 KiB");
            this.maxHeaderLength = chars;
            return this;
        }

        public Builder maxJsonDepth(int depth) {
            require(depth >= 2 && depth <= 256, "maxJsonDepth must be 2 to 256");
            this.maxJsonDepth = depth;
            return this;
        }

        /** Adds a claim path holding roles as a string array, e.g. {@code roleClaimPath("realm_access", "roles")}. */
        public Builder roleClaimPath(String... segments) {
            Objects.requireNonNull(segments, "segments");
            require(segments.length > 0, "a role claim path needs at least one segment");
            for (String s : segments) {
                require(s != null && !s.isEmpty(), "role claim path segments must be non-empty");
            }
            roleClaimPaths.add(List.of(segments));
            return this;
        }

        /** Keycloak's client roles: {@code resource_access.<clientId>.roles} (client ids may contain dots). */
        public Builder keycloakClientRoles(String clientId) {
            return roleClaimPath("resource_access", Objects.requireNonNull(clientId, "clientId"), "roles");
        }

        public Builder clearRoleClaimPaths() {
            roleClaimPaths = new ArrayList<>();
            return this;
        }

        /** Turns the verified-token cache on or off (on by default). */
        public Builder tokenCache(boolean enabled) {
            this.tokenCacheEnabled = enabled;
            return this;
        }

        public Builder tokenCacheMaxEntries(int maxEntries) {
            require(maxEntries >= 1 && maxEntries <= 10_000_000, "tokenCacheMaxEntries must be 1 to 10 million");
            this.tokenCacheMaxEntries = maxEntries;
            return this;
        }

        /** How long a verified token may skip the signature check; also never beyond its {@code exp}. */
        public Builder tokenCacheMaxAge(Duration maxAge) {
            Objects.requireNonNull(maxAge, "maxAge");
            require(!(maxAge.isNegative() || maxAge.isZero()) && maxAge.compareTo(Duration.ofHours(1)) <= 0, "tokenCacheMaxAge must be positive and at most 1 hour");
            this.tokenCacheMaxAge = maxAge;
            return this;
        }

        /** How long a fetched key set is used before it is fetched again (default 5 minutes). */
        public Builder keyCacheTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            require(ttl.compareTo(Duration.ofSeconds(1)) >= 0, "keyCacheTtl must be at least 1 second");
            this.keyCacheTtl = ttl;
            return this;
        }

        public Builder keyRefreshAhead(Duration refreshAhead) {
            Objects.requireNonNull(refreshAhead, "refreshAhead");
            require(!(refreshAhead.isNegative() || refreshAhead.isZero()), "keyRefreshAhead must be positive");
            this.keyRefreshAhead = refreshAhead;
            return this;
        }

        /** Minimum interval between key-set downloads, so unknown {@code kid}s cannot cause a fetch storm. */
        public Builder keyRefreshRateLimit(Duration minInterval) {
            Objects.requireNonNull(minInterval, "minInterval");
            require(!(minInterval.isNegative() || minInterval.isZero()), "keyRefreshRateLimit must be positive");
            this.keyRefreshRateLimit = minInterval;
            return this;
        }

        /** How long, past the cache's time-to-live, the last key set is used while the key endpoint fails. */
        public Builder keyMaxStaleness(Duration maxStaleness) {
            Objects.requireNonNull(maxStaleness, "maxStaleness");
            require(!(maxStaleness.isNegative() || maxStaleness.isZero()), "keyMaxStaleness must be positive");
            this.keyMaxStaleness = maxStaleness;
            return this;
        }

        /** Connect and read timeout, each, for discovery and key-set requests. */
        public Builder keyFetchTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            require(timeout.toMillis() >= 10 && timeout.compareTo(Duration.ofSeconds(30)) <= 0, "keyFetchTimeout must be 10 ms to 30 s");
            this.keyFetchTimeout = timeout;
            return this;
        }

        /**
         * After a failed warm-up (the identity provider away at start), keys are fetched again in the
         * background, first after {@code initial}, the delay doubling up to {@code max} (default 1 s to 30 s),
         * until keys arrive: a service that is not ready gets no request that would fetch them. An attempt
         * within {@link #keyRefreshRateLimit(Duration)} of the last download makes no request.
         */
        public Builder keyWarmUpRetry(Duration initial, Duration max) {
            Objects.requireNonNull(initial, "initial");
            Objects.requireNonNull(max, "max");
            require(initial.toMillis() >= 10, "keyWarmUpRetry initial delay must be at least 10 ms");
            require(max.compareTo(initial) >= 0 && max.compareTo(Duration.ofHours(1)) <= 0,
                    "keyWarmUpRetry max delay must be at least the initial delay and at most 1 hour");
            this.keyWarmUpRetryInitial = initial;
            this.keyWarmUpRetryMax = max;
            return this;
        }

        public Builder keySetSizeLimit(int bytes) {
            require(bytes >= 1024 && bytes <= 10 * 1024 * 1024, "keySetSizeLimit must be 1 KiB to 10 MiB");
            this.keySetSizeLimit = bytes;
            return this;
        }

        /** The {@code Retry-After} a client gets while no key can be obtained. */
        public Builder unavailableRetryAfter(Duration retryAfter) {
            Objects.requireNonNull(retryAfter, "retryAfter");
            require(retryAfter.compareTo(Duration.ofSeconds(1)) >= 0, "unavailableRetryAfter must be at least 1 second");
            this.unavailableRetryAfter = retryAfter;
            return this;
        }

        /** Told about each verification (metrics); see {@link AuthMetrics}. */
        public Builder listener(VerificationListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The clock for time claims and the token cache (tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public JwtVerifierConfig build() {
            require(issuer != null, "issuer is required");
            require(!audiences.isEmpty(), "at least one audience is required");
            // nimbus refuses a refresh window that does not fit into the cache lifetime
            require(keyRefreshAhead.plus(cacheRefreshTimeout(keyFetchTimeout)).compareTo(keyCacheTtl) < 0,
                    "keyRefreshAhead + 3 x keyFetchTimeout must be shorter than keyCacheTtl");
            require(keyRefreshRateLimit.compareTo(keyCacheTtl) < 0, "keyRefreshRateLimit must be shorter than keyCacheTtl");
            return new JwtVerifierConfig(this);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /** How long a request waits for another thread's key-set download: connect, read and one retry. */
    static Duration cacheRefreshTimeout(Duration fetchTimeout) {
        return fetchTimeout.multipliedBy(3);
    }

    static String normaliseType(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        return t.startsWith("application/") ? t.substring("application/".length()) : t;
    }
}
