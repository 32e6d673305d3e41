package io.github.microkit.samples.consumer;

import io.github.microkit.outbox.SchemaException;
import io.github.microkit.samples.common.Database;
import io.github.microkit.samples.common.DatabaseSettings;
import io.github.microkit.samples.common.ServiceSchemaException;
import io.github.microkit.testing.database.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the consumer's start does with its database ({@code Database.open}, shared with the producer): migrate, or
 * with {@code DATABASE_MIGRATE=false} only verify and stop with a message that says what is wrong (exit code 2).
 */
class DatabaseStartupTest {

    /** A fresh, empty H2 database of its own (kept until the JVM ends, so two opens see the same one). */
    private static DatabaseSettings emptyH2(boolean migrate) {
        return new DatabaseSettings("jdbc:h2:mem:startup-" + UUID.randomUUID() + ";" + TestDatabase.H2_POSTGRESQL_MODE
                + ";DB_CLOSE_DELAY=-1", Optional.empty(), Optional.empty(), true, migrate, 2);
    }

    private static Database open(DatabaseSettings settings) {
        return Database.open(settings, "sample-consumer", "classpath:db/consumer", "consumer_schema_history");
    }

    private static DatabaseSettings withMigrate(DatabaseSettings settings, boolean migrate) {
        return new DatabaseSettings(settings.jdbcUrl(), settings.username(), settings.password(), settings.embedded(),
                migrate, settings.poolSize());
    }

    @Test
    void verifyOnlyOnAnEmptyDatabaseStopsTheStartSayingMissingAndHowToFixIt() {
        assertThatThrownBy(() -> open(emptyH2(false)))
                .isInstanceOfSatisfying(ServiceSchemaException.class, e -> {
                    assertThat(e.problem()).isEqualTo(SchemaException.Problem.MISSING);
                    assertThat(e.getMessage()).contains("MISSING", "DATABASE_MIGRATE=true");
                });
    }

    @Test
    void migrateOnceThenVerifyOnlyStarts() {
        DatabaseSettings settings = emptyH2(true);
        open(settings).close();

        try (Database verified = open(withMigrate(settings, false))) {
            assertThat(verified.healthCheck().check().status().name()).isEqualTo("UP");
        }
    }

    @Test
    void tablesMigratedByANewerVersionOfTheServiceStopTheStartSayingNewer() throws SQLException {
        DatabaseSettings settings = emptyH2(true);
        try (Database database = open(settings); Connection c = database.dataSource().getConnection();
                Statement s = c.createStatement()) {
            // what a later release's V2 would leave in the history
            s.execute("insert into consumer_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) values (99, '2', 'future', 'SQL',"
                    + " 'V2__future.sql', 0, 'test', 0, true)");
        }

        for (boolean migrate : new boolean[] {true, false}) {
            assertThatThrownBy(() -> open(withMigrate(settings, migrate)))
                    .as("DATABASE_MIGRATE=%s", migrate)
                    .isInstanceOfSatisfying(ServiceSchemaException.class, e -> {
                        assertThat(e.problem()).isEqualTo(SchemaException.Problem.NEWER);
                        assertThat(e.getMessage()).contains("NEWER");
                    });
        }
    }

    @Test
    void aPasswordInTheUrlNeverReachesALogLine() {
        DatabaseSettings settings = new DatabaseSettings("jdbc:postgresql://db:5432/orders?user=app&password=s3cret&ssl=true",
                Optional.empty(), Optional.empty(), false, true, 10);

        assertThat(settings.describeTarget()).isEqualTo("jdbc:postgresql://db:5432/orders?user=app&password=***&ssl=true");
        assertThat(settings.toString()).doesNotContain("s3cret");
    }
}
