package io.github.microkit.secrets;

import io.github.microkit.health.Health;

/** Something the client's background thread looks after: a cached KV source, a lease. */
interface Maintained {

    /** Does what is due on the client's clock; must not throw. */
    void maintain();

    Health health();

    /** A short name for health facts, never a value. */
    String name();

    /** True once it has nothing more to do (a closed lease): the client then forgets it. */
    default boolean finished() {
        return false;
    }

    /** Stops; a lease revokes itself. */
    default void stop() {
    }
}
