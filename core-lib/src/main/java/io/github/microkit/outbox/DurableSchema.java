package io.github.microkit.outbox;

import java.util.Arrays;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tables of the outbox, the inbox and the idempotency store ({@code microkit_*}), created and checked with
 * the Flyway migrations shipped in microkit-core's jar ({@value #LOCATION}).
 *
 * <pre>{@code
 * DurableSchema.migrate(dataSource);   // at start: creates or upgrades the tables (idempotent, safe from many replicas)
 * // or, where the application's own migration job owns the schema:
 * DurableSchema.verify(dataSource);    // fails at start with a SchemaException saying MISSING, OUTDATED or NEWER
 * }</pre>
 *
 * <p>microkit keeps its own history table, {@value #HISTORY_TABLE}, so it lives beside the application's own
 * Flyway (whose history table is {@code flyway_schema_history}) in the same schema without either seeing the
 * other's migrations. The same SQL serves PostgreSQL (the production target) and H2 in PostgreSQL mode
 * ({@code MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH}), the embedded default of the samples.
 */
public final class DurableSchema {

    /** Where the migrations are on the classpath. */
    public static final String LOCATION = "classpath:db/microkit";
    /** microkit's own Flyway history table. */
    public static final String HISTORY_TABLE = "microkit_schema_history";
    /** The schema version this code reads and writes: the highest migration it ships. */
    public static final String EXPECTED_VERSION = "1";

    private static final Logger LOG = LoggerFactory.getLogger(DurableSchema.class);

    private DurableSchema() {
    }

    /**
     * Creates the tables, or applies the migrations this code ships that the database does not have yet, then
     * {@linkplain #verify verifies} the result. Safe to call from several replicas at once (Flyway locks its history
     * table) and on a database that already holds the application's own tables.
     *
     * @throws SchemaException when the database is NEWER than this code, or a migration fails
     */
    public static void migrate(DataSource dataSource) {
        Objects.requireNonNull(dataSource, "dataSource");
        Flyway flyway = flyway(dataSource);
        // refuse to run older migrations against a newer schema before Flyway gets a say
        MigrationInfo current = current(flyway);
        if (current != null && isNewer(current.getVersion())) {
            throw SchemaException.newer(current.getVersion().getVersion(), EXPECTED_VERSION);
        }
        try {
            int applied = flyway.migrate().migrationsExecuted;
            if (applied > 0) {
                LOG.info("applied {} microkit schema migration(s); the schema is at version {}", applied,
                        EXPECTED_VERSION);
            }
        } catch (FlywayException e) {
            throw SchemaException.invalid(current == null ? null : current.getVersion().getVersion(), EXPECTED_VERSION,
                    "migration failed: " + DatabaseException.describe(e), e);
        }
        // the same Flyway: configuring and loading a second one only adds to a service's start-up
        verify(flyway);
    }

    /**
     * Checks, without changing anything, that the database holds exactly the schema version this code expects.
     *
     * @throws SchemaException saying whether the schema is {@linkplain SchemaException.Problem#MISSING missing},
     *                         {@linkplain SchemaException.Problem#OUTDATED outdated},
     *                         {@linkplain SchemaException.Problem#NEWER newer} than this code, or
     *                         {@linkplain SchemaException.Problem#INVALID invalid}, and how to fix it
     * @throws DatabaseException when the database cannot be reached
     */
    public static void verify(DataSource dataSource) {
        Objects.requireNonNull(dataSource, "dataSource");
        verify(flyway(dataSource));
    }

    private static void verify(Flyway flyway) {
        MigrationInfoService info;
        try {
            info = flyway.info();
        } catch (FlywayException e) {
            throw new DatabaseException("verify the microkit schema", "Could not read the microkit schema history ("
                    + HISTORY_TABLE + "): " + DatabaseException.describe(e), e);
        }
        MigrationInfo current = info.current();
        MigrationInfo[] applied = info.applied();
        boolean anyRealMigration = Arrays.stream(applied).anyMatch(m -> m.getType() != null && !m.getType().isBaseline()
                && m.getVersion() != null && m.getVersion().compareTo(MigrationVersion.fromVersion("0")) > 0);
        if (current == null || !anyRealMigration) {
            throw SchemaException.missing(EXPECTED_VERSION);
        }
        String found = current.getVersion().getVersion();
        for (MigrationInfo m : applied) {
            if (m.getState() == MigrationState.FAILED || m.getState() == MigrationState.FUTURE_FAILED) {
                throw SchemaException.invalid(found, EXPECTED_VERSION, "migration " + m.getVersion() + " ("
                        + m.getDescription() + ") failed", null);
            }
        }
        if (isNewer(current.getVersion())) {
            throw SchemaException.newer(found, EXPECTED_VERSION);
        }
        if (current.getVersion().compareTo(MigrationVersion.fromVersion(EXPECTED_VERSION)) < 0
                || info.pending().length > 0) {
            throw SchemaException.outdated(found, EXPECTED_VERSION);
        }
    }

    private static boolean isNewer(MigrationVersion version) {
        return version != null && version.compareTo(MigrationVersion.fromVersion(EXPECTED_VERSION)) > 0;
    }

    private static MigrationInfo current(Flyway flyway) {
        try {
            return flyway.info().current();
        } catch (FlywayException e) {
            throw new DatabaseException("read the microkit schema history", "Could not read the microkit schema"
                    + " history (" + HISTORY_TABLE + "): " + DatabaseException.describe(e), e);
        }
    }

    private static Flyway flyway(DataSource dataSource) {
        return Flyway.configure(DurableSchema.class.getClassLoader())
                .dataSource(dataSource)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                .failOnMissingLocations(true)
                // the application's own tables may already be there: start our history at 0, then apply V1
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .baselineDescription("microkit baseline")
                .cleanDisabled(true)
                .load();
    }
}
