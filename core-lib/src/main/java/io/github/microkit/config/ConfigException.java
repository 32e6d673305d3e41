package io.github.microkit.config;

import io.github.microkit.MicrokitException;
import java.util.List;

/** Configuration that is missing or malformed; lists every problem found, not just the first. */
public final class ConfigException extends MicrokitException {

    private final List<String> problems;

    private ConfigException(List<String> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    public static ConfigException of(List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        return new ConfigException(problems);
    }

    /** Each problem as one sentence naming the variable, what is wrong and how to fix it. */
    public List<String> problems() {
        return problems;
    }

    private static String format(List<String> problems) {
        StringBuilder sb = new StringBuilder("Invalid configuration (")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems").append("):");
        for (String p : problems) {
            sb.append(System.lineSeparator()).append("  - ").append(p);
        }
        return sb.toString();
    }
}
