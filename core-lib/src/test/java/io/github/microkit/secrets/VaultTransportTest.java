package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP-level behaviour of the transport (headers, which answers are retried) against a plain HTTP server
 * that answers a scripted sequence of statuses: Vault semantics are tested against the emulator instead.
 */
class VaultTransportTest {

    private HttpServer server;
    private final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();
    private final List<Map<String, List<String>>> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.add(Map.copyOf(exchange.getRequestHeaders()));
            Integer status = script.poll();
            int code = status == null ? 200 : status;
            byte[] body = (code == 200 ? "{\"data\":{\"data\":{\"k\":\"v\"},\"metadata\":{\"version\":1}}}"
                    : "{\"errors\":[\"scripted " + code + "\"]}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(code, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private VaultTransport transport(URI address) {
        return new VaultTransport(VaultSettings.builder(address, VaultAuth.token(Secret.of("t", "tok")))
                .retry(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5))).build());
    }

    private URI address() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static String header(Map<String, List<String>> headers, String name) {
        return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }

    @Test
    @SuppressWarnings("try") // the scope is used for its side effect: the current trace
    void driverCallsCarryVaultRequestAndTheCurrentTraceIdAsRequestId() throws Exception {
        TraceContext trace = TraceContext.newRoot();
        try (CurrentTrace.Scope ignored = CurrentTrace.open(trace)) {
            transport(address()).driver(Secret.of("t", "tok"), 2, 1).logical().read("secret/app");
        }

        assertThat(seen).hasSize(1);
        assertThat(header(seen.get(0), "X-Vault-Request")).isEqualTo("true");
        assertThat(header(seen.get(0), "X-Request-Id")).isEqualTo(trace.traceId());
        assertThat(TraceContext.parse(header(seen.get(0), "traceparent")))
                .hasValueSatisfying(sent -> assertThat(sent.traceId()).isEqualTo(trace.traceId()));
    }

    @Test
    void directCallsOutsideATraceGetAFreshRequestIdEach() {
        VaultTransport transport = transport(address());
        transport.send("GET", "sys/health", null, null, "sys/health");
        transport.send("GET", "sys/health", null, null, "sys/health");

        assertThat(seen).hasSize(2);
        assertThat(header(seen.get(0), "X-Vault-Request")).isEqualTo("true");
        assertThat(header(seen.get(0), "X-Request-Id")).isNotBlank()
                .isNotEqualTo(header(seen.get(1), "X-Request-Id"));
        assertThat(header(seen.get(0), "traceparent")).as("no trace, no traceparent").isNull();
    }

    @Test
    void serverErrorsAndRateLimitsAreRetriedUpToTheLimit() {
        script.addAll(List.of(500, 412, 429, 200));
        VaultTransport transport = transport(address());

        VaultTransport.Reply reply = transport.retrying("test", () -> {
            VaultTransport.Reply r = transport.send("GET", "secret/data/app", null, null, "secret/app");
            if (!r.ok()) {
                throw transport.failure(r.status(), r.body(), "secret/app");
            }
            return r;
        });

        assertThat(reply.status()).isEqualTo(200);
        assertThat(seen).hasSize(4);
    }

    @Test
    void aDenialIsNotRetriedAndNamesThePathAndVaultsReason() {
        script.add(403);
        VaultTransport transport = transport(address());

        assertThatThrownBy(() -> transport.retrying("test", () -> {
            VaultTransport.Reply r = transport.send("GET", "secret/data/app", null, null, "secret/app");
            throw transport.failure(r.status(), r.body(), "secret/app");
        })).isInstanceOfSatisfying(SecretAccessException.class, e -> {
            assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.FORBIDDEN);
            assertThat(e.getMessage()).contains("secret/app").contains("permission denied").contains("scripted 403");
        });
        assertThat(seen).hasSize(1);
    }

    @Test
    void aClosedPortIsUnreachableAfterTheBoundedRetries() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        VaultTransport transport = transport(URI.create("http://127.0.0.1:" + port));

        assertThatThrownBy(() -> transport.retrying("test",
                () -> transport.send("GET", "sys/health", null, null, "sys/health")))
                .isInstanceOfSatisfying(SecretAccessException.class,
                        e -> assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.UNREACHABLE));
    }

    @Test
    void aRejectedLoginIsAskedOnceNotRetried() {
        script.add(400);
        VaultSettings settings = VaultSettings.builder(address(),
                        VaultAuth.appRole("role", Secret.of("secret-id", "sid")))
                .retry(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5))).build();

        assertThatThrownBy(() -> VaultClient.connect(settings)).isInstanceOfSatisfying(SecretAccessException.class,
                e -> assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.LOGIN_REJECTED));
        assertThat(seen).hasSize(1);
    }

    @Test
    void aLoginThatMeetsAServerErrorIsRetried() {
        script.addAll(List.of(502, 503));
        VaultSettings settings = VaultSettings.builder(address(),
                        VaultAuth.appRole("role", Secret.of("secret-id", "sid")))
                .retry(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5))).build();

        // the scripted server's 200 answer is no login answer: the third attempt fails as INVALID, not 5xx
        assertThatThrownBy(() -> VaultClient.connect(settings)).isInstanceOfSatisfying(SecretAccessException.class,
                e -> assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.INVALID));
        // three login attempts, and one sys/health probe that tells a sealed 503 from another 503
        assertThat(seen).hasSize(4);
    }
}
