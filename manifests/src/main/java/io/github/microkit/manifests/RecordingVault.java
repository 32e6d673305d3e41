package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in Vault that answers the setup script's calls as an empty, unsealed Vault would, and
 * records every write. The checker runs vault-setup.sh against it to learn what the script would
 * write (mounts, policies, roles, secrets) without a Vault: the same script and settings the Job uses.
 */
final class RecordingVault implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Call(String method, String path, JsonNode body) {
    }

    private final HttpServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    private RecordingVault(HttpServer server) {
        this.server = server;
    }

    static RecordingVault start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            RecordingVault vault = new RecordingVault(server);
            server.createContext("/v1/", vault::handle);
            server.start();
            return vault;
        } catch (IOException e) {
            throw new ManifestException("cannot start the recording Vault: " + e.getMessage(), e);
        }
    }

    String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Call> calls() {
        return new ArrayList<>(calls);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath().substring("/v1/".length());
            byte[] bytes = exchange.getRequestBody().readAllBytes();
            JsonNode body = bytes.length == 0 ? JSON.createObjectNode() : readJson(bytes);
            calls.add(new Call(method, path, body));
            String answer = answer(method, path);
            if (answer == null) {
                exchange.sendResponseHeaders(204, -1);
                return;
            }
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
        }
    }

    /** Bodies for the reads the script makes; writes answer 204 like Vault's. */
    private static String answer(String method, String path) {
        if (method.equals("GET") && path.equals("sys/health")) {
            return "{\"initialized\":true,\"sealed\":false,\"standby\":false}";
        }
        if (method.equals("GET") && path.equals("sys/audit")) {
            return "{}";
        }
        if (method.equals("GET") && path.endsWith("/role-id")) {
            return "{\"data\":{\"role_id\":\"recorded-role-id\"}}";
        }
        if (method.equals("POST") && path.endsWith("/secret-id")) {
            return "{\"data\":{\"secret_id\":\"recorded-secret-id\"}}";
        }
        if (path.contains("/data/")) {
            return "{\"data\":{\"version\":1}}";
        }
        return null;
    }

    private static JsonNode readJson(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return JSON.createObjectNode().put("unparsed", new String(bytes, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
