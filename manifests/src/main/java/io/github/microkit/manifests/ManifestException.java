package io.github.microkit.manifests;

/**
 * The manifests could not be rendered or read at all (as opposed to a {@link Violation}, which is a
 * finding about a manifest that could be read).
 */
public final class ManifestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ManifestException(String message) {
        super(message);
    }

    ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
