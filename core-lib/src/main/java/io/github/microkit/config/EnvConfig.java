package io.github.microkit.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed configuration from environment variables that reports every problem at once.
 *
 * <p>Read all values, then call {@link #validate()}: a service that is missing two variables and has a
 * third malformed learns all three in one start, not in three. Every variable {@code NAME} may also be
 * given as {@code NAME_FILE}, the path of a file holding the value (Kubernetes Secret volumes, Vault Agent);
 * setting both is a problem, because which one wins would be a guess.
 *
 * <pre>{@code
 * EnvConfig env = EnvConfig.fromSystem();
 * int port = env.integer("HTTP_PORT", 8080);
 * URI issuer = env.requiredUri("JWT_ISSUER");
 * Duration shutdown = env.duration("SHUTDOWN_TIMEOUT", Duration.ofSeconds(20));
 * env.validate(); // throws ConfigException listing every problem
 * }</pre>
 *
 * <p>Values returned after a problem are placeholders (the default, or empty); they must not be used
 * unless {@link #validate()} passed. Values read through {@code *_FILE} are never put into messages.
 */
public final class EnvConfig {

    private final Map<String, String> variables;
    private final List<String> problems = new ArrayList<>();

    private EnvConfig(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
    }

    public static EnvConfig fromSystem() {
        return new EnvConfig(System.getenv());
    }

    /** For tests and for services that assemble their variables themselves. */
    public static EnvConfig from(Map<String, String> variables) {
        return new EnvConfig(Objects.requireNonNull(variables, "variables"));
    }

    /** The raw value of {@code name} (or of the file {@code name_FILE} names), if set and not blank. */
    public Optional<String> optional(String name) {
        Objects.requireNonNull(name, "name");
        String direct = blankToNull(variables.get(name));
        String file = blankToNull(variables.get(name + "_FILE"));
        if (direct != null && file != null) {
            problems.add(name + " and " + name + "_FILE are both set: set only one of them");
            return Optional.of(direct);
        }
        if (file != null) {
            try {
                return Optional.ofNullable(blankToNull(Files.readString(Path.of(file), StandardCharsets.UTF_8).strip()))
                        .or(() -> {
                            problems.add(name + "_FILE names " + file + ", which is empty: write the value into it");
                            return Optional.empty();
                        });
            } catch (IOException | RuntimeException e) {
                problems.add(name + "_FILE names " + file + ", which cannot be read (" + e.getClass().getSimpleName()
                        + "): check the path and its permissions");
                return Optional.empty();
            }
        }
        return Optional.ofNullable(direct);
    }

    public String string(String name, String defaultValue) {
        return optional(name).orElse(defaultValue);
    }

    public String required(String name) {
        return optional(name).orElseGet(() -> {
            problems.add(name + " is required but not set: set " + name + " (or " + name + "_FILE)");
            return "";
        });
    }

    public int integer(String name, int defaultValue) {
        return parsed(name, "an integer, e.g. 8080", Integer::valueOf).orElse(defaultValue);
    }

    /** An integer within {@code [min, max]}. */
    public int integer(String name, int defaultValue, int min, int max) {
        int value = integer(name, defaultValue);
        if (value < min || value > max) {
            problems.add(name + " is " + value + " but must be between " + min + " and " + max);
            return defaultValue;
        }
        return value;
    }

    public boolean bool(String name, boolean defaultValue) {
        return parsed(name, "true or false", raw -> {
            switch (raw.toLowerCase(Locale.ROOT)) {
                case "true":
                    return Boolean.TRUE;
                case "false":
                    return Boolean.FALSE;
                default:
                    throw new IllegalArgumentException(raw);
            }
        }).orElse(defaultValue);
    }

    /** An ISO-8601 duration such as {@code PT20S}, or a number of seconds such as {@code 20}. */
    public Duration duration(String name, Duration defaultValue) {
        return parsed(name, "an ISO-8601 duration such as PT20S, or whole seconds such as 20", raw -> {
            if (raw.chars().allMatch(Character::isDigit)) {
                return Duration.ofSeconds(Long.parseLong(raw));
            }
            Duration d = Duration.parse(raw.toUpperCase(Locale.ROOT));
            if (d.isNegative()) {
                throw new DateTimeParseException("negative", raw, 0);
            }
            return d;
        }).orElse(defaultValue);
    }

    public Optional<URI> uri(String name) {
        return parsed(name, "an absolute URI such as https://host/path", raw -> {
            URI uri = new URI(raw);
            if (!uri.isAbsolute()) {
                throw new URISyntaxException(raw, "not absolute");
            }
            return uri;
        });
    }

    public URI requiredUri(String name) {
        if (optional(name).isEmpty()) {
            problems.add(name + " is required but not set: set it to an absolute URI");
            return URI.create("unset:" + name);
        }
        return uri(name).orElse(URI.create("invalid:" + name));
    }

    /** One of {@code allowed}, compared without regard to case; returned in lower case. */
    public String oneOf(String name, String defaultValue, List<String> allowed) {
        String value = string(name, defaultValue);
        String lower = value.toLowerCase(Locale.ROOT);
        if (!allowed.contains(lower)) {
            problems.add(name + " is '" + value + "' but must be one of " + allowed);
            return defaultValue;
        }
        return lower;
    }

    /** Records a problem found by the caller's own checks, so it is reported with the others. */
    public void problem(String problem) {
        problems.add(Objects.requireNonNull(problem, "problem"));
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Throws a {@link ConfigException} listing every problem found so far; returns normally if none. */
    public void validate() {
        if (!problems.isEmpty()) {
            throw ConfigException.of(problems);
        }
    }

    private <T> Optional<T> parsed(String name, String expected, ThrowingParser<T> parser) {
        boolean fromFile = blankToNull(variables.get(name + "_FILE")) != null;
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parser.parse(raw.get().strip()));
        } catch (Exception e) {
            // a value read from a file may be a secret: never echo it
            String shown = fromFile ? "the value in " + name + "_FILE" : "'" + raw.get() + "'";
            problems.add(name + " is " + shown + " but must be " + expected);
            return Optional.empty();
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    @FunctionalInterface
    private interface ThrowingParser<T> {
        T parse(String raw) throws Exception;
    }

    /** Helper for callers that map a value with a function which may reject it. */
    public <T> Optional<T> mapped(String name, String expected, Function<String, T> mapper) {
        return parsed(name, expected, mapper::apply);
    }
}
