package io.github.microkit.manifests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The environment variables the services read, from {@code manifests/service-variables.txt} (one
 * file, so that the samples' own tests can check it against their code).
 */
final class ServiceVariables {
    static final String FILE_NAME = "service-variables.txt";

    private final List<Variable> variables;
    private final Set<String> services;

    private ServiceVariables(List<Variable> variables) {
        this.variables = List.copyOf(variables);
        Set<String> names = new LinkedHashSet<>();
        variables.forEach(v -> names.addAll(v.services()));
        this.services = Set.copyOf(names);
    }

    static ServiceVariables load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.getFileName().toString());
        } catch (IOException e) {
            throw new ManifestException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static ServiceVariables parse(String text, String source) {
        List<Variable> variables = new ArrayList<>();
        int lineNumber = 0;
        for (String line : text.split("\n")) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split("\\s+", 4);
            if (fields.length < 4) {
                throw new ManifestException(source + ":" + lineNumber + ": expected NAME FILE SERVICES REQUIRED: " + line);
            }
            boolean file = switch (fields[1]) {
                case "file" -> true;
                case "-" -> false;
                default -> throw new ManifestException(source + ":" + lineNumber + ": FILE must be 'file' or '-': " + line);
            };
            variables.add(new Variable(fields[0], file, List.of(fields[2].split(",")),
                    Requirement.parse(fields[3], source + ":" + lineNumber)));
        }
        if (variables.isEmpty()) {
            throw new ManifestException(source + " lists no variable");
        }
        return new ServiceVariables(variables);
    }

    Set<String> services() {
        return services;
    }

    List<Variable> of(String service) {
        return variables.stream().filter(v -> v.services().contains(service)).toList();
    }

    /** The variable that {@code name} sets for {@code service}: itself, or its {@code _FILE} form. */
    Optional<Variable> variableFor(String service, String name) {
        return of(service).stream()
                .filter(v -> v.name().equals(name) || (v.file() && (v.name() + "_FILE").equals(name)))
                .findFirst();
    }

    record Variable(String name, boolean file, List<String> services, Requirement requirement) {
        Variable {
            Objects.requireNonNull(name, "name");
            services = List.copyOf(services);
            Objects.requireNonNull(requirement, "requirement");
        }

        boolean isSetIn(Map<String, Optional<String>> env) {
            return env.containsKey(name) || (file && env.containsKey(name + "_FILE"));
        }
    }

    /** always | when VAR=value | unless VAR. */
    record Requirement(String kind, String variable, String value) {
        static Requirement parse(String text, String where) {
            String[] words = text.strip().split("\\s+");
            if (words.length == 1 && words[0].equals("always")) {
                return new Requirement("always", "", "");
            }
            if (words.length == 2 && words[0].equals("unless")) {
                return new Requirement("unless", words[1], "");
            }
            if (words.length == 2 && words[0].equals("when") && words[1].contains("=")) {
                int eq = words[1].indexOf('=');
                return new Requirement("when", words[1].substring(0, eq), words[1].substring(eq + 1));
            }
            throw new ManifestException(where + ": REQUIRED must be 'always', 'when VAR=value' or 'unless VAR': " + text);
        }

        boolean appliesTo(Map<String, Optional<String>> env) {
            return switch (kind) {
                case "always" -> true;
                case "unless" -> !env.containsKey(variable);
                default -> env.getOrDefault(variable, Optional.empty()).map(value::equals).orElse(false);
            };
        }

        @Override
        public String toString() {
            return switch (kind) {
                case "always" -> "always";
                case "unless" -> "unless " + variable + " is set";
                default -> "when " + variable + "=" + value;
            };
        }
    }
}
