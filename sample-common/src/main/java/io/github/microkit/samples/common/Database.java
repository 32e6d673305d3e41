package io.github.microkit.samples.common;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import io.github.microkit.outbox.DurableSchema;
import io.github.microkit.outbox.SchemaException;
import io.github.microkit.secrets.KvReadResult;
import io.github.microkit.secrets.KvSecret;
import io.github.microkit.secrets.Secret;
import io.github.microkit.secrets.VaultClient;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A sample service's database: a HikariCP pool, microkit's tables ({@link DurableSchema}) and the service's own
 * tables (its own Flyway migrations with their own history table, so the two never see each other's history).
 *
 * <pre>{@code
 * Database database = Database.open(settings.database(), "sample-consumer", "classpath:db/consumer",
 *         "consumer_schema_history");   // DATABASE_MIGRATE=true migrates, false only verifies
 * Inbox inbox = Inbox.create(database.dataSource());
 * ...
 * database.close();                     // last, after everything that uses it has stopped
 * }</pre>
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource pool;
    private final String target;

    private Database(HikariDataSource pool, String target) {
        this.pool = pool;
        this.target = target;
    }

    /**
     * Opens the pool and migrates (or, with {@code DATABASE_MIGRATE=false}, verifies) microkit's schema and the
     * service's own.
     *
     * @param migrations   the service's Flyway location, such as {@code classpath:db/consumer}
     * @param historyTable the service's Flyway history table, such as {@code consumer_schema_history}
     * @throws SchemaException        microkit's tables are missing, outdated or newer than this code
     * @throws ServiceSchemaException the service's tables are
     * @throws IllegalStateException  the database cannot be reached
     */
    public static Database open(DatabaseSettings settings, String service, String migrations, String historyTable) {
        Objects.requireNonNull(settings, "settings");
        HikariConfig config = new HikariConfig();
        config.setPoolName(service);
        config.setJdbcUrl(settings.jdbcUrl());
        // H2 creates a new file with the first user that opens it: sa without a password unless told otherwise
        settings.username().or(() -> settings.embedded() ? Optional.of("sa") : Optional.empty())
                .ifPresent(config::setUsername);
        settings.password().map(Secret::reveal).or(() -> settings.embedded() ? Optional.of("") : Optional.empty())
                .ifPresent(config::setPassword);
        config.setMaximumPoolSize(settings.poolSize());
        config.setConnectionTimeout(5_000); // a request or handler waits at most this long for a connection
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config); // connects once: an unreachable database fails the start here
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("Cannot connect to the database " + settings.describeTarget() + " as "
                    + config.getUsername() + ": " + cause.getMessage() + ". Check DATABASE_URL, DATABASE_USERNAME and"
                    + " DATABASE_PASSWORD (or the Vault keys database.username/database.password).", cause);
        }
        Database database = new Database(pool, settings.describeTarget());
        try {
            Flyway own = Flyway.configure(Database.class.getClassLoader())
                    .dataSource(pool)
                    .locations(migrations)
                    .table(historyTable)
                    .failOnMissingLocations(true)
                    // microkit's tables may be there already (and the other way round): start the history at 0
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .cleanDisabled(true)
                    .load();
            if (settings.migrate()) {
                DurableSchema.migrate(pool);
                refuseNewer(own, service);
                int applied = own.migrate().migrationsExecuted;
                if (applied > 0) {
                    LOG.info("applied {} migration(s) of {} ({})", applied, service, migrations);
                }
            } else {
                verifyMicrokit(pool);
            }
            verify(own, service, historyTable);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
        LOG.info("database {} ({}pool of {}, schema {})", database.target,
                settings.embedded() ? "embedded H2 file, set DATABASE_URL for PostgreSQL; " : "",
                settings.poolSize(), settings.migrate() ? "migrated" : "verified");
        return database;
    }

    /**
     * The database's user and password from the service's KV v2 secret ({@code VAULT_KV_MOUNT}/{@code VAULT_KV_PATH},
     * keys {@code database.username} and {@code database.password}), over the environment's; the settings as they
     * are when the secret has neither key.
     */
    public static DatabaseSettings credentialsFromVault(VaultClient vault, ServiceSettings settings) {
        KvReadResult read = vault.kv(settings.vaultKvMount()).read(settings.vaultKvPath());
        Optional<KvSecret> secret = read.secret();
        Optional<Secret> username = secret.flatMap(s -> s.get("database.username"));
        Optional<Secret> password = secret.flatMap(s -> s.get("database.password"));
        String where = settings.vaultKvMount() + "/" + settings.vaultKvPath();
        if (username.isEmpty() && password.isEmpty()) {
            return settings.database();
        }
        if (username.isEmpty() || password.isEmpty()) {
            throw new IllegalStateException("The Vault secret " + where + " has only one of database.username and"
                    + " database.password: write both (vault-setup.sh: <SERVICE>_DATABASE_USERNAME and"
                    + " <SERVICE>_DATABASE_PASSWORD), or neither to use DATABASE_USERNAME/DATABASE_PASSWORD");
        }
        LOG.info("database credentials from Vault {} (user {})", where, username.get().reveal());
        return settings.database().withCredentials(username.get().reveal(), password.get());
    }

    public DataSource dataSource() {
        return pool;
    }

    /** {@code UP} while a pooled connection answers, {@code DOWN} otherwise (the service cannot do its work). */
    public HealthCheck healthCheck() {
        return () -> {
            try (Connection c = pool.getConnection()) {
                return c.isValid(2) ? Health.up(target) : Health.down("connection not valid");
            } catch (SQLException e) {
                return Health.down("unreachable: " + e.getClass().getSimpleName());
            }
        };
    }

    /** Closes the pool: the last thing a service closes, after everything that uses the database. */
    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "Database[" + target + "]";
    }

    /** {@link DurableSchema#verify}, its advice completed with the samples' own switch. */
    private static void verifyMicrokit(DataSource pool) {
        try {
            DurableSchema.verify(pool);
        } catch (SchemaException e) {
            if (e.problem() == SchemaException.Problem.NEWER || e.problem() == SchemaException.Problem.INVALID) {
                throw e;
            }
            throw new ServiceSchemaException(e.problem(), e.getMessage() + " Here: start the service once with"
                    + " DATABASE_MIGRATE=true (the default), which runs them.");
        }
    }

    private static void refuseNewer(Flyway flyway, String service) {
        MigrationInfo[] applied = info(flyway).applied();
        if (Arrays.stream(applied).anyMatch(Database::future)) {
            throw newer(service);
        }
    }

    /** Exactly the migrations this code ships must be applied: nothing missing, pending, failed or unknown. */
    private static void verify(Flyway flyway, String service, String historyTable) {
        MigrationInfoService info = info(flyway);
        MigrationInfo[] applied = info.applied();
        boolean any = Arrays.stream(applied).anyMatch(m -> m.getType() != null && !m.getType().isBaseline());
        if (!any) {
            throw new ServiceSchemaException(SchemaException.Problem.MISSING, "The tables of " + service
                    + " are MISSING from this database (no migration in " + historyTable + "). Start once with"
                    + " DATABASE_MIGRATE=true (the default), or run the service's migrations with your own Flyway.");
        }
        for (MigrationInfo m : applied) {
            if (future(m)) {
                throw newer(service);
            }
            if (m.getState() == MigrationState.FAILED) {
                throw new ServiceSchemaException(SchemaException.Problem.INVALID, "Migration " + m.getVersion()
                        + " of " + service + " failed (" + historyTable + "): repair it by hand, then restart.");
            }
        }
        if (info.pending().length > 0) {
            throw new ServiceSchemaException(SchemaException.Problem.OUTDATED, "The tables of " + service
                    + " are OUTDATED: " + info.pending().length + " migration(s) of this code are not applied."
                    + " Start once with DATABASE_MIGRATE=true (the default), or apply them with your own Flyway.");
        }
    }

    private static boolean future(MigrationInfo m) {
        return m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED;
    }

    private static ServiceSchemaException newer(String service) {
        return new ServiceSchemaException(SchemaException.Problem.NEWER, "The tables of " + service
                + " are NEWER than this code: a newer version of the service migrated this database. Run that"
                + " version (or newer), or restore the database to this version's schema.");
    }

    private static MigrationInfoService info(Flyway flyway) {
        try {
            return flyway.info();
        } catch (FlywayException e) {
            throw new IllegalStateException("Could not read the schema history: " + e.getMessage(), e);
        }
    }
}
