package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/** A secrets engine or auth method at a path, as listed by sys/mounts and sys/auth. */
final class Mount {

    final String path;
    final String type;
    final String description;
    final ObjectNode options;
    final boolean auth;
    final String accessor;
    final String uuid = UUID.randomUUID().toString();
    final Backend backend;

    Mount(String path, String type, String description, ObjectNode options, boolean auth, Backend backend) {
        this.path = path;
        this.type = type;
        this.description = description;
        this.options = options;
        this.auth = auth;
        this.accessor = (auth ? "auth_" : "") + type + "_" + UUID.randomUUID().toString().substring(0, 8);
        this.backend = backend;
    }

    /** The request path prefix this mount answers: "secret/" or "auth/approle/". */
    String routePrefix() {
        return auth ? "auth/" + path : path;
    }

    String mountClass() {
        return auth ? "auth" : "secret";
    }

    ObjectNode describe() {
        ObjectNode m = Json.object();
        m.put("accessor", accessor);
        ObjectNode config = m.putObject("config");
        config.put("default_lease_ttl", 0);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", 0);
        m.put("deprecation_status", "supported");
        m.put("description", description);
        m.put("external_entropy_access", false);
        m.put("local", false);
        if (options == null || options.isEmpty()) {
            m.putNull("options");
        } else {
            m.set("options", options);
        }
        m.put("plugin_version", "");
        m.put("running_plugin_version", "v1.0.0+builtin");
        m.put("running_sha256", "");
        m.put("seal_wrap", false);
        m.put("type", type);
        m.put("uuid", uuid);
        return m;
    }

    @Override
    public String toString() {
        return "Mount[" + routePrefix() + " " + type + "]";
    }
}
