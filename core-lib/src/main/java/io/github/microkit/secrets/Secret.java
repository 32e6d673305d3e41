package io.github.microkit.secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A named secret value that does not show itself.
 *
 * <p>{@link #toString()} prints the name and a mask, so a secret that ends up in a log line, an exception
 * message or a debugger's variable view leaks nothing. The value comes out only through {@link #reveal()},
 * which makes every use of it easy to find in a code review.
 */
public final class Secret {

    private final String name;
    private final String value;

    private Secret(String name, String value) {
        this.name = name;
        this.value = value;
    }

    /**
     * @param name  what the secret is (e.g. {@code password}); shown in messages, so never a value itself
     * @param value the secret value
     */
    public static Secret of(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a secret needs a name");
        }
        return new Secret(name, value);
    }

    /** The name under which the secret was found; safe to log. */
    public String name() {
        return name;
    }

    /** The secret value. Pass it straight to the client that needs it; never log it. */
    public String reveal() {
        return value;
    }

    /** Compares values in constant time, so a caller checking a presented secret leaks no timing. */
    public boolean sameValueAs(Secret other) {
        Objects.requireNonNull(other, "other");
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), other.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Secret)) {
            return false;
        }
        Secret other = (Secret) o;
        return name.equals(other.name) && sameValueAs(other);
    }

    @Override
    public int hashCode() {
        // the value stays out of the hash: a hash code is sometimes printed
        return name.hashCode();
    }

    @Override
    public String toString() {
        return "Secret[" + name + "=****]";
    }
}
