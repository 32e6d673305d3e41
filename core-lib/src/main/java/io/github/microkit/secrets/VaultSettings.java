package io.github.microkit.secrets;

import io.github.microkit.config.EnvConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Immutable settings of a {@link VaultClient}. Start from {@link #builder(URI, VaultAuth)} (safe defaults),
 * {@link #from(VaultSettings)} (a copy to change) or {@link #fromEnv(EnvConfig)} (microkit's variables).
 */
public final class VaultSettings {

    private final URI address;
    private final VaultAuth auth;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final RetryPolicy retry;
    private final double renewAt;
    private final double jitter;
    private final Duration refreshInterval;
    private final Duration maxStaleness;
    private final Duration checkInterval;
    private final boolean failFast;
    private final String requestIdHeader;
    private final Clock clock;
    private final SSLContext sslContext;

    private VaultSettings(Builder b) {
        this.address = b.address;
        this.auth = b.auth;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.retry = b.retry;
        this.renewAt = b.renewAt;
        this.jitter = b.jitter;
        this.refreshInterval = b.refreshInterval;
        this.maxStaleness = b.maxStaleness;
        this.checkInterval = b.checkInterval;
        this.failFast = b.failFast;
        this.requestIdHeader = b.requestIdHeader;
        this.clock = b.clock;
        this.sslContext = b.sslContext;
    }

    /** Defaults: timeouts 2 s / 5 s, {@link RetryPolicy#defaults()}, renewal at 2/3 of a TTL with 10% jitter,
     * KV values refreshed every 5 min and served up to 15 min old while Vault is away, fail-fast start. */
    public static Builder builder(URI address, VaultAuth auth) {
        return new Builder(address, auth);
    }

    public static Builder from(VaultSettings base) {
        Objects.requireNonNull(base, "base");
        Builder b = new Builder(base.address, base.auth);
        b.connectTimeout = base.connectTimeout;
        b.requestTimeout = base.requestTimeout;
        b.retry = base.retry;
        b.renewAt = base.renewAt;
        b.jitter = base.jitter;
        b.refreshInterval = base.refreshInterval;
        b.maxStaleness = base.maxStaleness;
        b.checkInterval = base.checkInterval;
        b.failFast = base.failFast;
        b.requestIdHeader = base.requestIdHeader;
        b.clock = base.clock;
        b.sslContext = base.sslContext;
        return b;
    }

    /**
     * Reads {@code VAULT_ADDR}, {@code VAULT_AUTH} ({@code token}, {@code approle}, {@code kubernetes}) and the
     * variables of the chosen method. Empty when {@code VAULT_ADDR} is unset (no Vault: use other sources).
     * Problems are recorded in {@code env}; call {@link EnvConfig#validate()} after reading everything.
     */
    public static Optional<VaultSettings> fromEnv(EnvConfig env) {
        Objects.requireNonNull(env, "env");
        Optional<URI> address = env.uri("VAULT_ADDR");
        String method = env.oneOf("VAULT_AUTH", "token", List.of("token", "approle", "kubernetes"));
        if (address.isEmpty()) {
            return Optional.empty();
        }
        VaultAuth auth;
        switch (method.toLowerCase(Locale.ROOT)) {
            case "approle": {
                String roleId = env.required("VAULT_ROLE_ID");
                Optional<String> secretIdFile = env.optional("VAULT_SECRET_ID_FILE");
                auth = secretIdFile.isPresent()
                        ? VaultAuth.appRole(roleId, Path.of(secretIdFile.get()))
                        : VaultAuth.appRole(roleId, Secret.of("vault-secret-id", env.required("VAULT_SECRET_ID")));
                break;
            }
            case "kubernetes":
                auth = VaultAuth.kubernetes(env.required("VAULT_K8S_ROLE"),
                        Path.of(env.string("VAULT_K8S_TOKEN_FILE", VaultAuth.DEFAULT_K8S_TOKEN_FILE.toString())));
                break;
            default: {
                Optional<String> tokenFile = env.optional("VAULT_TOKEN_FILE");
                auth = tokenFile.isPresent()
                        ? VaultAuth.tokenFile(Path.of(tokenFile.get()))
                        : VaultAuth.token(Secret.of("vault-token", env.required("VAULT_TOKEN")));
                break;
            }
        }
        Builder builder = builder(address.get(), auth);
        Optional<String> caCert = env.optional("VAULT_CACERT");
        if (caCert.isPresent()) {
            try {
                builder.caCertificate(Path.of(caCert.get()));
            } catch (IllegalArgumentException e) {
                env.problem("VAULT_CACERT names " + caCert.get() + ", which " + e.getMessage());
            }
        }
        return Optional.of(builder.build());
    }

    public URI address() {
        return address;
    }

    public VaultAuth auth() {
        return auth;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    public RetryPolicy retry() {
        return retry;
    }

    /** Fraction of a TTL after which a token or lease is renewed (default 2/3). */
    public double renewAt() {
        return renewAt;
    }

    /** Fraction of a TTL by which a renewal is moved earlier at random (default 0.1). */
    public double jitter() {
        return jitter;
    }

    public Duration refreshInterval() {
        return refreshInterval;
    }

    public Duration maxStaleness() {
        return maxStaleness;
    }

    public Duration checkInterval() {
        return checkInterval;
    }

    public boolean failFast() {
        return failFast;
    }

    public String requestIdHeader() {
        return requestIdHeader;
    }

    public Clock clock() {
        return clock;
    }

    /** The TLS context for an https address; empty means the JDK's default trust store. */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    @Override
    public String toString() {
        return "VaultSettings[address=" + address + ", auth=" + auth + ", failFast=" + failFast + ", refresh="
                + refreshInterval + ", maxStaleness=" + maxStaleness + "]";
    }

    /** Validates each value as it is set and the whole in {@link #build()}. */
    public static final class Builder {
        private URI address;
        private VaultAuth auth;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(5);
        private RetryPolicy retry = RetryPolicy.defaults();
        private double renewAt = 2.0 / 3.0;
        private double jitter = 0.1;
        private Duration refreshInterval = Duration.ofMinutes(5);
        private Duration maxStaleness = Duration.ofMinutes(15);
        private Duration checkInterval = Duration.ofSeconds(1);
        private boolean failFast = true;
        private String requestIdHeader = "X-Request-Id";
        private Clock clock = Clock.systemUTC();
        private SSLContext sslContext;

        private Builder(URI address, VaultAuth auth) {
            address(address);
            auth(auth);
        }

        public Builder address(URI address) {
            Objects.requireNonNull(address, "address");
            String scheme = address.getScheme();
            if (!address.isAbsolute() || !("http".equals(scheme) || "https".equals(scheme)) || address.getHost() == null) {
                throw new IllegalArgumentException("Vault address must be http(s)://host[:port], was " + address);
            }
            String text = address.toString();
            this.address = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            return this;
        }

        public Builder auth(VaultAuth auth) {
            this.auth = Objects.requireNonNull(auth, "auth");
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive(connectTimeout, "connectTimeout");
            return this;
        }

        /** Whole seconds on the wire (vault-java-driver's unit); rounded up. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive(requestTimeout, "requestTimeout");
            return this;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        public Builder renewAt(double fraction) {
            if (!(fraction > 0.1 && fraction < 0.95)) {
                throw new IllegalArgumentException("renewAt must be between 0.1 and 0.95, was " + fraction);
            }
            this.renewAt = fraction;
            return this;
        }

        public Builder jitter(double fraction) {
            if (!(fraction >= 0 && fraction <= 0.3)) {
                throw new IllegalArgumentException("jitter must be between 0 and 0.3, was " + fraction);
            }
            this.jitter = fraction;
            return this;
        }

        /** How long a KV value is used before it is read again. */
        public Builder refreshInterval(Duration refreshInterval) {
            this.refreshInterval = positive(refreshInterval, "refreshInterval");
            return this;
        }

        /** How old a cached value may get while Vault is unreachable, sealed or failing; then reads fail. */
        public Builder maxStaleness(Duration maxStaleness) {
            this.maxStaleness = Objects.requireNonNull(maxStaleness, "maxStaleness");
            if (maxStaleness.isNegative()) {
                throw new IllegalArgumentException("maxStaleness must not be negative");
            }
            return this;
        }

        /** How often the background thread checks deadlines (renewals are computed on {@link #clock}). */
        public Builder checkInterval(Duration checkInterval) {
            this.checkInterval = positive(checkInterval, "checkInterval");
            return this;
        }

        /** True (default): {@link VaultClient#connect} throws if the first login fails. False: it keeps trying
         * in the background and reports DOWN meanwhile. */
        public Builder failFast(boolean failFast) {
            this.failFast = failFast;
            return this;
        }

        /** The header carrying the request id; ask Vault to audit it with
         * {@code sys/config/auditing/request-headers/<name>}. */
        public Builder requestIdHeader(String requestIdHeader) {
            Objects.requireNonNull(requestIdHeader, "requestIdHeader");
            if (!requestIdHeader.matches("[A-Za-z0-9-]+")) {
                throw new IllegalArgumentException("requestIdHeader must be a header name, was " + requestIdHeader);
            }
            this.requestIdHeader = requestIdHeader;
            return this;
        }

        /** The clock TTLs, renewals and staleness are computed on; tests pass one they move. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** TLS for an https Vault, e.g. with a client certificate; the default trusts the JDK's CAs. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /**
         * Trusts the CA certificates in a PEM file (like {@code VAULT_CACERT} for the vault CLI) instead of the
         * JDK's: production Vault usually has a certificate from a private CA.
         */
        public Builder caCertificate(Path pemFile) {
            Objects.requireNonNull(pemFile, "pemFile");
            try (InputStream in = Files.newInputStream(pemFile)) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int n = 0;
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trust.setCertificateEntry("vault-ca-" + n++, c);
                }
                if (n == 0) {
                    throw new IllegalArgumentException("holds no PEM certificate");
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, tmf.getTrustManagers(), null);
                this.sslContext = context;
                return this;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot be read as PEM certificates (" + e.getClass().getSimpleName() + ")");
            }
        }

        public VaultSettings build() {
            if (maxStaleness.compareTo(Duration.ZERO) > 0 && maxStaleness.compareTo(refreshInterval) < 0) {
                throw new IllegalArgumentException("maxStaleness (" + maxStaleness
                        + ") must be 0 or at least refreshInterval (" + refreshInterval + ")");
            }
            return new VaultSettings(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
