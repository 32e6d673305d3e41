package io.github.microkit.manifests;

import java.util.Objects;

/**
 * One broken rule: the file the object came from (relative to the manifests directory), the object
 * ({@code Kind/name}), the rule's id and what is wrong.
 */
public record Violation(String source, String object, String rule, String message) {

    public Violation {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return source + ": " + object + ": [" + rule + "] " + message;
    }
}
