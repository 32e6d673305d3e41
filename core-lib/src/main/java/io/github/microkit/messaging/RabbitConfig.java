package io.github.microkit.messaging;

import com.rabbitmq.client.impl.CredentialsProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How to reach RabbitMQ: immutable, built by {@link #builder()} or parsed by {@link #fromUri(String)}.
 *
 * <p>The defaults are the safe ones: automatic recovery on, a 30 s heartbeat so a dead peer is noticed,
 * and the first connection retried with backoff (the client itself retries only after a connection was
 * once established). {@link #toString()} never shows the password.
 */
public final class RabbitConfig {

    private final String host;
    private final int port;
    private final String virtualHost;
    private final String username;
    private final String password;
    private final CredentialsProvider credentialsProvider;
    private final boolean tls;
    private final SSLContext sslContext;
    private final String connectionName;
    private final Duration heartbeat;
    private final Duration connectTimeout;
    private final int connectAttempts;
    private final Duration connectBackoff;
    private final Duration maxConnectBackoff;
    private final Duration recoveryInterval;

    private RabbitConfig(Builder b) {
        this.host = b.host;
        this.port = b.port > 0 ? b.port : (b.tls ? 5671 : 5672);
        this.virtualHost = b.virtualHost;
        this.username = b.username;
        this.password = b.password;
        this.credentialsProvider = b.credentialsProvider;
        this.tls = b.tls;
        this.sslContext = b.sslContext;
        this.connectionName = b.connectionName;
        this.heartbeat = b.heartbeat;
        this.connectTimeout = b.connectTimeout;
        this.connectAttempts = b.connectAttempts;
        this.connectBackoff = b.connectBackoff;
        this.maxConnectBackoff = b.maxConnectBackoff;
        this.recoveryInterval = b.recoveryInterval;
    }

    /** The local broker with guest/guest: {@code amqp://guest:guest@127.0.0.1:5672}. */
    public static RabbitConfig defaults() {
        return builder().build();
    }

    /**
     * Parses an {@code amqp://} or {@code amqps://} URI ({@code amqp://user:pass@host:port/vhost}); the
     * vhost is URL-decoded ({@code %2F} is {@code /}), an absent path means the vhost {@code /}.
     */
    public static RabbitConfig fromUri(String uri) {
        return builder().uri(uri).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from {@code base}, to change a few settings. */
    public static Builder from(RabbitConfig base) {
        Objects.requireNonNull(base, "base");
        Builder b = new Builder();
        b.host = base.host;
        b.port = base.port;
        b.virtualHost = base.virtualHost;
        b.username = base.username;
        b.password = base.password;
        b.credentialsProvider = base.credentialsProvider;
        b.tls = base.tls;
        b.sslContext = base.sslContext;
        b.connectionName = base.connectionName;
        b.heartbeat = base.heartbeat;
        b.connectTimeout = base.connectTimeout;
        b.connectAttempts = base.connectAttempts;
        b.connectBackoff = base.connectBackoff;
        b.maxConnectBackoff = base.maxConnectBackoff;
        b.recoveryInterval = base.recoveryInterval;
        return b;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String virtualHost() {
        return virtualHost;
    }

    public String username() {
        return username;
    }

    /** The password; not part of {@link #toString()}. */
    String password() {
        return password;
    }

    /** Credentials that may change (Vault dynamic credentials); wins over username and password. */
    public Optional<CredentialsProvider> credentialsProvider() {
        return Optional.ofNullable(credentialsProvider);
    }

    public boolean tls() {
        return tls;
    }

    Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    public String connectionName() {
        return connectionName;
    }

    public Duration heartbeat() {
        return heartbeat;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public int connectAttempts() {
        return connectAttempts;
    }

    public Duration connectBackoff() {
        return connectBackoff;
    }

    public Duration maxConnectBackoff() {
        return maxConnectBackoff;
    }

    public Duration recoveryInterval() {
        return recoveryInterval;
    }

    /** The broker as a URI without the password ({@code amqp://user@host:port/vhost}), for log lines and errors. */
    public String describeTarget() {
        String user = credentialsProvider != null ? "(rotating credentials)" : username;
        return (tls ? "amqps://" : "amqp://") + user + "@" + host + ":" + port + "/"
                + java.net.URLEncoder.encode(virtualHost, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RabbitConfig[" + describeTarget() + ", connectionName=" + connectionName + ", heartbeat="
                + heartbeat + ", connectAttempts=" + connectAttempts + "]";
    }

    /** Builds a {@link RabbitConfig}, checking every value as it is set and all of them again in {@link #build()}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = -1;
        private String virtualHost = "/";
        private String username = "guest";
        private String password = "guest";
        private CredentialsProvider credentialsProvider;
        private boolean tls;
        private SSLContext sslContext;
        private String connectionName = "microkit";
        private Duration heartbeat = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int connectAttempts = 10;
        private Duration connectBackoff = Duration.ofMillis(200);
        private Duration maxConnectBackoff = Duration.ofSeconds(5);
        private Duration recoveryInterval = Duration.ofSeconds(1);

        private Builder() {
        }

        /** Sets host, port, vhost, credentials and TLS from an {@code amqp://} or {@code amqps://} URI. */
        public Builder uri(String uri) {
            Objects.requireNonNull(uri, "uri");
            URI parsed;
            try {
                parsed = new URI(uri.strip());
            } catch (URISyntaxException e) {
                // the input may contain a password: say where it broke, not what it was
                throw new IllegalArgumentException("RabbitMQ URI is malformed at index " + e.getIndex()
                        + ": expected amqp://user:password@host:5672/vhost");
            }
            String scheme = parsed.getScheme();
            if (!"amqp".equalsIgnoreCase(scheme) && !"amqps".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException("RabbitMQ URI must start with amqp:// or amqps://, not "
                        + (scheme == null ? "nothing" : scheme + "://"));
            }
            if (parsed.getHost() == null) {
                throw new IllegalArgumentException("RabbitMQ URI has no host: expected amqp://user:password@host:5672/vhost");
            }
            this.tls = "amqps".equalsIgnoreCase(scheme);
            this.host = parsed.getHost();
            this.port = parsed.getPort();
            String rawUserInfo = parsed.getRawUserInfo();
            if (rawUserInfo != null) {
                int colon = rawUserInfo.indexOf(':');
                String user = colon < 0 ? rawUserInfo : rawUserInfo.substring(0, colon);
                this.username = URLDecoder.decode(user, StandardCharsets.UTF_8);
                this.password = colon < 0 ? "" : URLDecoder.decode(rawUserInfo.substring(colon + 1), StandardCharsets.UTF_8);
            }
            String path = parsed.getRawPath();
            if (path != null && path.length() > 1) {
                String vhost = path.substring(1);
                if (vhost.contains("/")) {
                    throw new IllegalArgumentException("RabbitMQ URI path must be one segment (the vhost);"
                            + " encode a '/' inside a vhost name as %2F");
                }
                this.virtualHost = URLDecoder.decode(vhost, StandardCharsets.UTF_8);
            } else {
                this.virtualHost = "/";
            }
            return this;
        }

        public Builder host(String host) {
            this.host = requireNonBlank(host, "host");
            return this;
        }

        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        public Builder virtualHost(String virtualHost) {
            this.virtualHost = Objects.requireNonNull(virtualHost, "virtualHost");
            return this;
        }

        public Builder credentials(String username, String password) {
            this.username = requireNonBlank(username, "username");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Credentials that may change between connections (see {@code secrets} for Vault's). */
        public Builder credentialsProvider(CredentialsProvider credentialsProvider) {
            this.credentialsProvider = Objects.requireNonNull(credentialsProvider, "credentialsProvider");
            return this;
        }

        /** TLS with the JVM's default trust store and hostname verification. */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /** TLS with a context of your own (a private CA); hostname verification stays on. */
        public Builder tls(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            this.tls = true;
            return this;
        }

        /** Shown in the management UI, suffixed with the connection's role ({@code -publish}, {@code -consume}). */
        public Builder connectionName(String connectionName) {
            this.connectionName = requireNonBlank(connectionName, "connectionName");
            return this;
        }

        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = requirePositive(heartbeat, "heartbeat");
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = requirePositive(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * How often to try the first connection, and the backoff between tries (doubling up to
         * {@code maxBackoff}). Once connected, the client's automatic recovery takes over.
         */
        public Builder connectRetry(int attempts, Duration backoff, Duration maxBackoff) {
            if (attempts < 1) {
                throw new IllegalArgumentException("connect attempts must be at least 1, was " + attempts);
            }
            this.connectAttempts = attempts;
            this.connectBackoff = requirePositive(backoff, "backoff");
            this.maxConnectBackoff = requirePositive(maxBackoff, "maxBackoff");
            return this;
        }

        /** The pause between automatic recovery attempts after a connection was lost. */
        public Builder recoveryInterval(Duration recoveryInterval) {
            this.recoveryInterval = requirePositive(recoveryInterval, "recoveryInterval");
            return this;
        }

        public RabbitConfig build() {
            requireNonBlank(host, "host");
            if (maxConnectBackoff.compareTo(connectBackoff) < 0) {
                throw new IllegalArgumentException("maxBackoff (" + maxConnectBackoff + ") is shorter than backoff ("
                        + connectBackoff + ")");
            }
            return new RabbitConfig(this);
        }

        private static String requireNonBlank(String value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }

        private static Duration requirePositive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
