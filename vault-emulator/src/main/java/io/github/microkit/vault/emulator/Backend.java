package io.github.microkit.vault.emulator;

import java.util.Optional;

/** A secrets engine or auth method mounted at a path. */
interface Backend {

    /** Handles a request whose {@code subPath} is the path inside the mount. */
    Response handle(Request req);

    /** Paths that need no token, such as a login. */
    default boolean unauthenticated(String subPath) {
        return false;
    }

    /**
     * Vault's existence check, which decides whether a write needs {@code create} or {@code update}:
     * empty when this path has none (then a write is an update).
     */
    default Optional<Boolean> exists(Request req) {
        return Optional.empty();
    }

    /** Called when the mount is disabled: ends what it handed out. */
    default void unmounted() {
    }
}
