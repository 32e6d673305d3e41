package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File audit devices writing Vault's JSON lines: one "request" and one "response" entry per request,
 * with every string value of request and response data, and every token and accessor, replaced by
 * {@code hmac-sha256:<hex>} under the device's own key (so the log shows who read what, never what).
 */
final class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    static final class Device {
        final String path;
        final String description;
        final String filePath;
        final ObjectNode options;
        private final byte[] key = new byte[32];
        private final PrintStream out;

        Device(String path, String description, String filePath, ObjectNode options) throws IOException {
            this.path = path;
            this.description = description;
            this.filePath = filePath;
            this.options = options;
            RANDOM.nextBytes(key);
            if (filePath.equals("stdout")) {
                out = System.out;
            } else if (filePath.equals("discard")) {
                out = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
            } else {
                Path p = Path.of(filePath);
                if (p.getParent() != null) {
                    java.nio.file.Files.createDirectories(p.getParent());
                }
                out = new PrintStream(new FileOutputStream(p.toFile(), true), true, StandardCharsets.UTF_8);
            }
        }

        String hash(String value) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
            }
        }

        void write(JsonNode entry) {
            synchronized (out) {
                out.println(new String(Json.bytes(entry), StandardCharsets.UTF_8));
                out.flush();
            }
        }

        void close() {
            if (out != System.out) {
                out.close();
            }
        }

        ObjectNode describe() {
            ObjectNode d = Json.object();
            d.put("type", "file");
            d.put("description", description);
            d.set("options", options);
            d.put("local", false);
            d.put("path", path);
            return d;
        }
    }

    private final EmulatorClock clock;
    private final Map<String, Device> devices = new LinkedHashMap<>();
    /** Request headers to record (lower case) and whether to hash their values. */
    private final Map<String, Boolean> headers = new LinkedHashMap<>();

    AuditLog(EmulatorClock clock) {
        this.clock = clock;
    }

    void enable(String path, String description, String filePath, ObjectNode options) throws IOException {
        devices.put(path, new Device(path, description, filePath, options));
        LOG.info("audit device {} enabled, writing to {}", path, filePath);
    }

    Optional<Device> device(String path) {
        return Optional.ofNullable(devices.get(path));
    }

    boolean disable(String path) {
        Device d = devices.remove(path);
        if (d != null) {
            d.close();
        }
        return d != null;
    }

    Map<String, Device> devices() {
        return devices;
    }

    Map<String, Boolean> headers() {
        return headers;
    }

    void close() {
        devices.values().forEach(Device::close);
        devices.clear();
    }

    void request(Request req, Optional<String> error) {
        for (Device d : devices.values()) {
            ObjectNode e = entry("request", d, req, error);
            d.write(e);
        }
    }

    void response(Request req, Optional<Response> resp, Optional<Token> newToken, Optional<String> error) {
        for (Device d : devices.values()) {
            ObjectNode e = entry("response", d, req, error);
            ObjectNode r = e.putObject("response");
            if (req.mount != null) {
                r.put("mount_point", req.mount.routePrefix());
                r.put("mount_type", req.mount.type);
                r.put("mount_accessor", req.mount.accessor);
                r.put("mount_class", req.mount.mountClass());
            }
            resp.ifPresent(res -> {
                newToken.ifPresent(t -> r.set("auth", auth(d, t)));
                if (res.leaseId != null && !res.leaseId.isEmpty()) {
                    ObjectNode s = r.putObject("secret");
                    s.put("lease_id", res.leaseId);
                }
                if (res.data != null && !res.data.isNull()) {
                    r.set("data", hashValues(d, res.data));
                }
                if (!res.warnings.isEmpty()) {
                    r.set("warnings", Json.array(res.warnings));
                }
            });
            d.write(e);
        }
    }

    private ObjectNode entry(String type, Device d, Request req, Optional<String> error) {
        ObjectNode e = Json.object();
        e.put("time", Json.time(clock.now()));
        e.put("type", type);
        e.set("auth", req.token().map(t -> auth(d, t)).orElseGet(() -> {
            ObjectNode a = Json.object();
            a.put("token_type", "default");
            return a;
        }));
        ObjectNode r = e.putObject("request");
        r.put("id", req.id);
        r.put("operation", req.operation.wire());
        if (req.mount != null) {
            r.put("mount_point", req.mount.routePrefix());
            r.put("mount_type", req.mount.type);
            r.put("mount_accessor", req.mount.accessor);
            r.put("mount_class", req.mount.mountClass());
        }
        req.token().ifPresent(t -> {
            r.put("client_token", d.hash(t.id));
            r.put("client_token_accessor", d.hash(t.accessor));
        });
        r.putObject("namespace").put("id", "root");
        r.put("path", req.path);
        if (!req.data.isEmpty()) {
            r.set("data", hashValues(d, req.data));
        }
        ObjectNode hs = Json.object();
        req.headers.forEach((name, values) -> {
            Boolean hmac = headers.get(name.toLowerCase(Locale.ROOT));
            if (hmac != null) {
                ArrayNode a = hs.putArray(name.toLowerCase(Locale.ROOT));
                values.forEach(v -> a.add(hmac ? d.hash(v) : v));
            }
        });
        if (!hs.isEmpty()) {
            r.set("headers", hs);
        }
        r.put("remote_address", req.remoteAddress);
        r.put("remote_port", req.remotePort);
        error.ifPresent(err -> e.put("error", err));
        return e;
    }

    private static ObjectNode auth(Device d, Token t) {
        ObjectNode a = Json.object();
        a.put("client_token", d.hash(t.id));
        a.put("accessor", d.hash(t.accessor));
        a.put("display_name", t.displayName);
        a.set("policies", Json.array(t.policies));
        a.set("token_policies", Json.array(t.policies));
        if (!t.meta.isEmpty()) {
            a.set("metadata", t.metaJson());
        }
        a.put("entity_id", "");
        a.put("token_type", "service");
        a.put("token_ttl", t.creationTtl.getSeconds());
        a.put("token_issue_time", Json.time(t.creationTime));
        return a;
    }

    /** A copy with every string replaced by its HMAC, as Vault's audit hashing does; numbers and booleans stay. */
    static JsonNode hashValues(Device d, JsonNode n) {
        if (n.isTextual()) {
            return Json.F.textNode(d.hash(n.asText()));
        }
        if (n.isObject()) {
            ObjectNode o = Json.object();
            n.properties().forEach(f -> o.set(f.getKey(), hashValues(d, f.getValue())));
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = Json.F.arrayNode();
            n.forEach(v -> a.add(hashValues(d, v)));
            return a;
        }
        return n;
    }
}
