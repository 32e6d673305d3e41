package io.github.microkit.vault.emulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JDK's HTTP server in front of the core. Logs method, path and status; never bodies or headers. */
final class HttpFront {

    private static final Logger LOG = LoggerFactory.getLogger(HttpFront.class);
    private static final int MAX_BODY = 32 * 1024 * 1024;

    private final HttpServer server;
    private final ExecutorService executor;

    HttpFront(EmulatorCore core, String host, int port) throws IOException {
        // Without it JDK 17's server waits on Nagle for every small answer: ~700 requests/s at 44 ms each.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "vault-emulator-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> serve(core, exchange));
    }

    void start() {
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    void stop() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void serve(EmulatorCore core, HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            EmulatorCore.Answer a;
            if (body.length > MAX_BODY) {
                a = EmulatorCore.error(ApiError.of(413, "http: request body too large"));
            } else {
                Map<String, List<String>> headers = new LinkedHashMap<>(ex.getRequestHeaders());
                InetSocketAddress remote = ex.getRemoteAddress();
                a = core.handle(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                        ex.getRequestURI().getRawQuery(), headers, body,
                        remote.getAddress().getHostAddress(), remote.getPort());
            }
            LOG.debug("{} {} -> {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), a.status());
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (a.body() == null) {
                ex.sendResponseHeaders(a.status(), -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/json");
            boolean head = ex.getRequestMethod().equalsIgnoreCase("HEAD");
            ex.sendResponseHeaders(a.status(), head ? -1 : a.body().length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(a.body());
                }
            }
        } catch (RuntimeException e) {
            LOG.error("cannot answer {} {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
            throw e;
        }
    }
}
