package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** JSON helpers; Vault's field conventions in one place. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** RFC 3339 with nanoseconds, UTC, as Vault writes {@code created_time}. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
            .withZone(ZoneOffset.UTC);

    private Json() {
    }

    static ObjectNode object() {
        return F.objectNode();
    }

    static ArrayNode array(Collection<String> values) {
        ArrayNode a = F.arrayNode();
        values.forEach(a::add);
        return a;
    }

    static String time(Instant t) {
        return TIME.format(t);
    }

    static ObjectNode parseObject(byte[] body) {
        if (body.length == 0) {
            return object();
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || n.isNull() || n.isMissingNode()) {
                return object();
            }
            if (!n.isObject()) {
                throw ApiError.badRequest("failed to parse JSON input: the body is not a JSON object");
            }
            return (ObjectNode) n;
        } catch (IOException e) {
            // The parser's message may quote the body, which may be a secret: keep it out.
            throw ApiError.badRequest("failed to parse JSON input: invalid JSON");
        }
    }

    static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static String text(JsonNode data, String field) {
        JsonNode v = data.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    /** A list parameter: a JSON array or a comma-separated string, as Vault accepts both. */
    static List<String> strings(JsonNode data, String field) {
        JsonNode v = data.get(field);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isArray()) {
            v.forEach(e -> {
                String s = e.asText().trim();
                if (!s.isEmpty()) {
                    out.add(s);
                }
            });
        } else {
            for (String s : v.asText().split(",")) {
                if (!s.trim().isEmpty()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    static boolean bool(JsonNode data, String field, boolean fallback) {
        JsonNode v = data.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        return Boolean.parseBoolean(v.asText());
    }

    static long number(JsonNode data, String field, long fallback) {
        JsonNode v = data.get(field);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
            return fallback;
        }
        if (v.isNumber()) {
            return v.asLong();
        }
        try {
            return Long.parseLong(v.asText().trim());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("error converting input for field \"" + field + "\": not a number");
        }
    }
}
