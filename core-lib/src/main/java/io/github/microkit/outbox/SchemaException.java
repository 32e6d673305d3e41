package io.github.microkit.outbox;

import java.util.Optional;

/**
 * The database does not hold the microkit schema this code expects; thrown by {@link DurableSchema#verify}
 * at start, so that a service never runs against tables it does not understand. {@link #problem()} says which
 * way it is off, and the message says how to fix it.
 */
public final class SchemaException extends DatabaseException {

    /** How the schema differs from the expected one. */
    public enum Problem {
        /** No microkit tables at all: the migrations were never run on this database. */
        MISSING,
        /** An older version: migrations shipped with this code are not applied yet. */
        OUTDATED,
        /** A newer version than this code knows: a newer microkit migrated the database. */
        NEWER,
        /** A migration failed or was changed after it was applied. */
        INVALID
    }

    private final Problem problem;
    private final String foundVersion;
    private final String expectedVersion;

    SchemaException(Problem problem, String foundVersion, String expectedVersion, String message, Throwable cause) {
        super("verify the microkit schema", message, cause);
        this.problem = problem;
        this.foundVersion = foundVersion;
        this.expectedVersion = expectedVersion;
    }

    static SchemaException missing(String expected) {
        return new SchemaException(Problem.MISSING, null, expected,
                "The microkit schema is MISSING from this database (no table " + DurableSchema.HISTORY_TABLE
                        + "; expected version " + expected + "). Create it: call DurableSchema.migrate(dataSource)"
                        + " at start, or run the migrations shipped in microkit-core's jar ("
                        + DurableSchema.LOCATION + ", history table " + DurableSchema.HISTORY_TABLE
                        + ") with your own Flyway.", null);
    }

    static SchemaException outdated(String found, String expected) {
        return new SchemaException(Problem.OUTDATED, found, expected,
                "The microkit schema is OUTDATED: version " + found + " found, " + expected + " expected. Apply the"
                        + " newer migrations: call DurableSchema.migrate(dataSource), or run " + DurableSchema.LOCATION
                        + " with your own Flyway (history table " + DurableSchema.HISTORY_TABLE + ").", null);
    }

    static SchemaException newer(String found, String expected) {
        return new SchemaException(Problem.NEWER, found, expected,
                "The microkit schema is NEWER than this code: version " + found + " found, " + expected
                        + " expected. A newer microkit migrated this database. Upgrade microkit to the version that"
                        + " migrated it, or roll the database back to version " + expected + ".", null);
    }

    static SchemaException invalid(String found, String expected, String detail, Throwable cause) {
        return new SchemaException(Problem.INVALID, found, expected,
                "The microkit schema is INVALID (" + detail + "). Repair it (a failed migration must be fixed by hand"
                        + " and removed from " + DurableSchema.HISTORY_TABLE + "), then call DurableSchema.migrate.",
                cause);
    }

    public Problem problem() {
        return problem;
    }

    /** The version the database holds; empty when it holds none. */
    public Optional<String> foundVersion() {
        return Optional.ofNullable(foundVersion);
    }

    /** The version this code expects. */
    public String expectedVersion() {
        return expectedVersion;
    }
}
