package io.github.microkit.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.github.jopenlibs.vault.EnvironmentLoader;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wire: vault-java-driver for what it does well (logins, token self-calls, logical read/write), direct
 * {@code java.net.http} calls for what it lacks or routes around our client (KV metadata, leases, health),
 * one {@link HttpClient} for both so every request carries the request id, and the mapping of every failure
 * to one {@link SecretAccessException.Reason}.
 */
final class VaultTransport {

    private static final Logger LOG = LoggerFactory.getLogger(VaultTransport.class);
    static final ObjectMapper JSON = new ObjectMapper();

    /** Keeps the driver from reading VAULT_TOKEN or ~/.vault-token behind our back. */
    private static final EnvironmentLoader NO_ENVIRONMENT = new EnvironmentLoader() {
        private static final long serialVersionUID = 1L;

        @Override
        public String loadVariable(String name) {
            return null;
        }
    };

    private final VaultSettings settings;
    private final HttpClient http;
    private final String address;
    private final int requestTimeoutSeconds;

    VaultTransport(VaultSettings settings) {
        this.settings = settings;
        this.address = settings.address().toString();
        this.requestTimeoutSeconds = (int) Math.max(1, (settings.requestTimeout().toMillis() + 999) / 1000);
        HttpClient.Builder builder = HttpClient.newBuilder()
                // HTTP/1.1 as the driver's own default: Vault Agent's proxy does not speak h2c
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout());
        // a client given to the driver takes over TLS from it: the trust settings must be here
        settings.sslContext().ifPresent(builder::sslContext);
        this.http = new RequestIdHttpClient(builder.build(), settings.requestIdHeader());
    }

    String address() {
        return address;
    }

    /**
     * A driver instance for one call. Built per call on purpose: {@code VaultConfig.token} is a plain field,
     * so sharing one config between a login on one thread and reads on others would publish the token
     * unsafely; a config confined to the calling thread needs no publication at all.
     *
     * @param engineVersion 2 for KV v2 paths (the driver inserts {@code data/} after {@code prefixDepth}
     *                      segments), 1 for everything addressed by its full path
     */
    Vault driver(Secret token, int engineVersion, int prefixDepth) {
        try {
            VaultConfig config = new VaultConfig()
                    .environmentLoader(NO_ENVIRONMENT)
                    .address(address)
                    .httpClient(http)
                    .openTimeout((int) Math.max(1, settings.connectTimeout().toSeconds()))
                    .readTimeout(requestTimeoutSeconds)
                    .prefixPathDepth(prefixDepth)
                    .engineVersion(engineVersion);
            if (token != null) {
                config.token(token.reveal());
            }
            return Vault.create(config.build(), engineVersion);
        } catch (VaultException e) {
            throw SecretAccessException.vault(SecretAccessException.Reason.INVALID, address, "(configuration)", 0,
                    "vault-java-driver rejected the configuration", null);
        }
    }

    /** An answer of a direct call: status and parsed body (a missing node when empty or not JSON). */
    record Reply(int status, JsonNode body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /** A direct call to {@code /v1/<apiPath>}; connection failures become {@code UNREACHABLE}. */
    Reply send(String method, String apiPath, Secret token, Map<String, ?> body, String pathForErrors) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(address + "/v1/" + apiPath))
                .timeout(Duration.ofSeconds(requestTimeoutSeconds))
                .header("Accept", "application/json");
        if (token != null) {
            request.header("X-Vault-Token", token.reveal());
        }
        try {
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(response.statusCode(), parse(response.body()));
        } catch (IOException e) {
            throw unreachable(pathForErrors, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(pathForErrors, e);
        }
    }

    static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return MissingNode.getInstance();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    SecretAccessException unreachable(String path, Exception cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                // not an outage to wait out but a trust problem: say so, and do not serve stale values for it
                return SecretAccessException.vault(SecretAccessException.Reason.INVALID, address, path, 0,
                        "TLS failed (" + t.getClass().getSimpleName() + "): check the CA certificate (VAULT_CACERT)", null);
            }
        }
        // the cause's message may hold a URL but never a token; keep only its type to be sure
        return SecretAccessException.vault(SecretAccessException.Reason.UNREACHABLE, address, path, 0,
                cause.getClass().getSimpleName(), null);
    }

    /** Maps an HTTP answer that is not a success; {@code body} supplies Vault's own error text. */
    SecretAccessException failure(int status, JsonNode body, String path) {
        String errors = errors(body);
        SecretAccessException.Reason reason;
        if (status == 403) {
            reason = SecretAccessException.Reason.FORBIDDEN;
        } else if (status == 404) {
            reason = SecretAccessException.Reason.NOT_FOUND;
        } else if (status == 503) {
            reason = isSealed() ? SecretAccessException.Reason.SEALED : SecretAccessException.Reason.UNAVAILABLE;
        } else if (status >= 500 || status == 412 || status == 429) {
            reason = SecretAccessException.Reason.UNAVAILABLE;
        } else if (status == 400 && errors.contains("check-and-set")) {
            reason = SecretAccessException.Reason.CAS_MISMATCH;
        } else {
            reason = SecretAccessException.Reason.INVALID;
        }
        return SecretAccessException.vault(reason, address, path, status, errors, null);
    }

    /**
     * Maps an exception of the driver. Its message holds the response body, so it is never passed on: only
     * the status code is used and the body is fetched from nowhere else.
     */
    SecretAccessException failure(VaultException e, String path) {
        int status = e.getHttpStatusCode();
        if (status == 0) {
            Throwable cause = e.getCause();
            while (cause != null && !(cause instanceof IOException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof IOException || cause instanceof InterruptedException) {
                return unreachable(path, (Exception) cause);
            }
            return SecretAccessException.vault(SecretAccessException.Reason.INVALID, address, path, 0,
                    "unexpected answer", null);
        }
        return failure(status, MissingNode.getInstance(), path);
    }

    /** Asks {@code sys/health} (no token needed) whether a 503 means sealed; false when that cannot be told. */
    boolean isSealed() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(address + "/v1/sys/health"))
                    .timeout(Duration.ofSeconds(requestTimeoutSeconds)).GET().build();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return parse(response.body()).path("sealed").asBoolean(false);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Vault's {@code errors} array as one line, cut short: it names the denial, never a value. */
    static String errors(JsonNode body) {
        JsonNode errors = body.path("errors");
        if (!errors.isArray() || errors.isEmpty()) {
            return "";
        }
        String joined = StreamSupport.stream(errors.spliterator(), false).map(JsonNode::asText)
                .map(s -> s.replaceAll("\\s+", " ").strip()).collect(Collectors.joining("; "));
        return joined.length() > 200 ? joined.substring(0, 200) + "..." : joined;
    }

    /** Runs {@code call}, retrying transient failures (no connection, 5xx, 412, 429) with jittered backoff. */
    <T> T retrying(String what, VaultCall<T> call) {
        RetryPolicy retry = settings.retry();
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (SecretAccessException e) {
                if (!e.reason().isTransient() || attempt >= retry.maxAttempts()) {
                    throw e;
                }
                Duration pause = retry.backoff(attempt);
                LOG.debug("Vault {} failed ({}), attempt {} of {}, retrying in {} ms", what, e.reason(), attempt,
                        retry.maxAttempts(), pause.toMillis());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @FunctionalInterface
    interface VaultCall<T> {
        T run();
    }

    static String utf8(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
