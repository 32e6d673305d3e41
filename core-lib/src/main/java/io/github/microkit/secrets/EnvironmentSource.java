package io.github.microkit.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Environment variables: {@code rabbitmq-password} is {@code RABBITMQ_PASSWORD} or {@code RABBITMQ_PASSWORD_FILE}. */
final class EnvironmentSource implements SecretSource {

    private final Map<String, String> variables;

    EnvironmentSource(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
    }

    static String variableName(String name) {
        return name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    @Override
    public Optional<Secret> find(String name) {
        Objects.requireNonNull(name, "name");
        String variable = variableName(name);
        String direct = variables.get(variable);
        String file = variables.get(variable + "_FILE");
        boolean hasFile = file != null && !file.isBlank();
        if (direct != null && !direct.isEmpty()) {
            if (hasFile) {
                // as EnvConfig: which one wins would be a guess
                throw SecretAccessException.of(SecretAccessException.Reason.INVALID, describe(), name,
                        variable + " and " + variable + "_FILE are both set: set only one of them");
            }
            return Optional.of(Secret.of(name, direct));
        }
        if (!hasFile) {
            return Optional.empty();
        }
        try {
            return Optional.of(Secret.of(name, DirectorySource.stripTrailingNewline(
                    Files.readString(Path.of(file), StandardCharsets.UTF_8))));
        } catch (IOException | RuntimeException e) {
            throw SecretAccessException.unreadable(describe() + " (" + variable + "_FILE=" + file + ")", name, e);
        }
    }

    @Override
    public String describe() {
        return "environment variables";
    }

    @Override
    public String toString() {
        return "SecretSource[" + describe() + "]";
    }
}
