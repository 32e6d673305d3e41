package io.github.microkit;

/**
 * Root of microkit's single unchecked exception family.
 *
 * <p>Every package throws a subclass of this type ({@code MessagingException},
 * {@code TokenRejectedException}, {@code SecretAccessException}, {@code ConfigException} ...), wrapping the checked
 * exceptions of the clients underneath, so callers catch one family and read the context from getters
 * rather than parsing messages. Messages never contain secret values or tokens.
 */
public class MicrokitException extends RuntimeException {

    protected MicrokitException(String message) {
        super(message);
    }

    protected MicrokitException(String message, Throwable cause) {
        super(message, cause);
    }
}
