package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Vault's duration parameters: seconds as a number or string, or Go-style strings such as "1h30m". */
final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    private Durations() {
    }

    /** The duration in a request field, or {@code fallback} when the field is absent or empty. */
    static Duration field(JsonNode data, String name, Duration fallback) {
        JsonNode v = data.get(name);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
            return fallback;
        }
        return parse(v, name);
    }

    static Duration parse(JsonNode v, String name) {
        if (v.isNumber()) {
            return Duration.ofSeconds(v.asLong());
        }
        return parse(v.asText(), name);
    }

    static Duration parse(String text, String name) {
        String s = text.trim();
        if (s.matches("-?\\d+")) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        Matcher m = PART.matcher(s);
        long millis = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double n = Double.parseDouble(m.group(1));
            millis += (long) (n * switch (m.group(2)) {
                case "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 86_400_000L;
            });
            end = m.end();
        }
        if (end != s.length() || s.isEmpty()) {
            throw ApiError.badRequest("error converting input " + text + " for field \"" + name + "\": time: invalid duration \"" + text + "\"");
        }
        return Duration.ofMillis(millis);
    }

    /** Vault's way of writing a duration in metadata, e.g. "0s" or "1h0m0s". */
    static String format(Duration d) {
        long s = d.getSeconds();
        if (s == 0) {
            return "0s";
        }
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        if (h > 0) {
            return h + "h" + m + "m" + sec + "s";
        }
        if (m > 0) {
            return m + "m" + sec + "s";
        }
        return sec + "s";
    }
}
