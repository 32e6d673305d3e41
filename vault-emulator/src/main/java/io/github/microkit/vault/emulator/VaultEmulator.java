package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An emulator of HashiCorp Vault's HTTP API for development and tests — not a secret store: everything
 * lives in memory, unencrypted, and is gone when it stops.
 *
 * <p>It starts like {@code vault server -dev}: unsealed, a root token, KV version 2 at {@code secret/}.
 * <pre>{@code
 * try (VaultEmulator vault = VaultEmulator.builder().port(0).start()) {
 *     URI addr = vault.address();               // http://127.0.0.1:<port>
 *     String root = vault.rootToken();          // "root" unless changed
 *     vault.clock().advance(Duration.ofHours(2)); // expire tokens and leases now
 *     vault.seal();                             // sys/health answers 503, every other call too
 * }
 * }</pre>
 */
public final class VaultEmulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VaultEmulator.class);

    private final EmulatorCore core;
    private final HttpFront front;
    private final ScheduledExecutorService ticker;
    private final Runnable expiry;
    private final String host;

    private VaultEmulator(Builder b) throws IOException {
        this.core = new EmulatorCore(b.clock, b.rootToken, b.rabbitMqManagementUrl);
        this.host = b.host;
        if (b.kvAtSecret) {
            ObjectNode options = Json.object();
            options.put("version", "2");
            core.mountDirect("secret/", "kv", "key/value secret storage", options);
        }
        if (b.auditFile != null) {
            ObjectNode options = Json.object();
            options.put("file_path", b.auditFile);
            core.audit.enable("file/", "", b.auditFile, options);
        }
        this.front = new HttpFront(core, b.host, b.port);
        this.expiry = core::expire;
        b.clock.onAdvance(expiry);
        // Wall-clock time passes too: expire what has run out once a second.
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vault-emulator-expiry");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(expiry, 1, 1, TimeUnit.SECONDS);
        front.start();
        LOG.info("Vault emulator listening on {} (development and tests only, not a secret store)", address());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The address to use as VAULT_ADDR, e.g. {@code http://127.0.0.1:8200}. */
    public URI address() {
        return URI.create("http://" + host + ":" + front.port());
    }

    public int port() {
        return front.port();
    }

    /** The root token; it never expires. */
    public String rootToken() {
        return core.rootTokenId;
    }

    /** The clock every TTL runs on; move it with {@link EmulatorClock#advance(Duration)}. */
    public EmulatorClock clock() {
        return core.clock;
    }

    /** Seals: sys/health answers 503 (or its sealedcode) and every other request 503 "Vault is sealed". */
    public void seal() {
        core.sealed = true;
    }

    public void unseal() {
        core.sealed = false;
    }

    public boolean isSealed() {
        return core.sealed;
    }

    /** Makes this node a standby (sys/health answers 429 unless standbyok) or active again. */
    public void standby(boolean standby) {
        core.standby = standby;
    }

    /** Stops serving and revokes every lease, so the RabbitMQ users it made are deleted. */
    @Override
    public void close() {
        core.clock.removeOnAdvance(expiry);
        ticker.shutdownNow();
        front.stop();
        core.close();
        LOG.info("Vault emulator on port {} stopped", front.port());
    }

    @Override
    public String toString() {
        return "VaultEmulator[" + address() + "]";
    }

    /** Settings of an emulator; defaults as {@code vault server -dev}, on 127.0.0.1:8200. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8200;
        private String rootToken = "root";
        private EmulatorClock clock = EmulatorClock.system();
        private boolean kvAtSecret = true;
        private String auditFile;
        private String rabbitMqManagementUrl = "http://127.0.0.1:15672";

        private Builder() {
        }

        /** The address to listen on; 127.0.0.1 by default. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port; 0 picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, not " + port);
            }
            this.port = port;
            return this;
        }

        public Builder rootToken(String rootToken) {
            Objects.requireNonNull(rootToken, "rootToken");
            if (rootToken.isBlank()) {
                throw new IllegalArgumentException("the root token must not be blank");
            }
            this.rootToken = rootToken;
            return this;
        }

        public Builder clock(EmulatorClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Whether KV version 2 is mounted at {@code secret/} at start, as in dev mode (default true). */
        public Builder kvAtSecret(boolean mount) {
            this.kvAtSecret = mount;
            return this;
        }

        /** Enables a file audit device at {@code file/} from the start; "stdout" writes to standard output. */
        public Builder auditFile(Path file) {
            this.auditFile = Objects.requireNonNull(file, "file").toString();
            return this;
        }

        public Builder auditToStdout() {
            this.auditFile = "stdout";
            return this;
        }

        /** Where the RabbitMQ engine's management API is until config/connection says otherwise. */
        public Builder rabbitMqManagementUrl(String url) {
            this.rabbitMqManagementUrl = Objects.requireNonNull(url, "url");
            return this;
        }

        /** Starts listening. */
        public VaultEmulator start() {
            try {
                return new VaultEmulator(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the Vault emulator on " + host + ":" + port, e);
            }
        }
    }
}
