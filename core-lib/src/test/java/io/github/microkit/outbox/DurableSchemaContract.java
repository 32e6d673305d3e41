package io.github.microkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.MicrokitException;
import io.github.microkit.testing.database.TestDatabase;
import org.junit.jupiter.api.Test;

/**
 * The schema's start-up checks, on each database (PostgreSQL in {@code DurableSchemaPostgresIT}, H2 in
 * {@code DurableSchemaH2Test}). Each test class gets a database of its own, so the order of the tests matters
 * here and is fixed by doing everything in one method per state.
 */
abstract class DurableSchemaContract {

    abstract TestDatabase database();

    @Test
    void verifyFailsAtStartSayingTheSchemaIsMissingAndHowToCreateIt_thenMigrateCreatesItAndVerifyPasses() {
        assertThatThrownBy(() -> DurableSchema.verify(database().dataSource()))
                .isInstanceOf(SchemaException.class)
                .isInstanceOf(MicrokitException.class)
                .hasMessageContaining("MISSING")
                .hasMessageContaining("DurableSchema.migrate")
                .satisfies(e -> {
                    SchemaException s = (SchemaException) e;
                    assertThat(s.problem()).isEqualTo(SchemaException.Problem.MISSING);
                    assertThat(s.foundVersion()).isEmpty();
                    assertThat(s.expectedVersion()).isEqualTo(DurableSchema.EXPECTED_VERSION);
                });
        assertThatThrownBy(() -> Inbox.create(database().dataSource()))
                .isInstanceOf(SchemaException.class).hasMessageContaining("MISSING");

        DurableSchema.migrate(database().dataSource());
        DurableSchema.verify(database().dataSource());
        DurableSchema.migrate(database().dataSource()); // idempotent

        // a newer microkit migrated the database: this code refuses it, naming both versions and both fixes
        database().execute("insert into microkit_schema_history (installed_rank, version, description, type, script,"
                + " checksum, installed_by, installed_on, execution_time, success) values (99, '2', 'from the future',"
                + " 'SQL', 'V2__from_the_future.sql', 0, 'test', current_timestamp, 1, true)");
        assertThatThrownBy(() -> DurableSchema.verify(database().dataSource()))
                .isInstanceOf(SchemaException.class)
                .hasMessageContaining("NEWER")
                .hasMessageContaining("version 2 found, " + DurableSchema.EXPECTED_VERSION + " expected")
                .hasMessageContaining("Upgrade microkit")
                .hasMessageContaining("roll the database back")
                .satisfies(e -> {
                    SchemaException s = (SchemaException) e;
                    assertThat(s.problem()).isEqualTo(SchemaException.Problem.NEWER);
                    assertThat(s.foundVersion()).contains("2");
                });
        assertThatThrownBy(() -> DurableSchema.migrate(database().dataSource()))
                .isInstanceOf(SchemaException.class).hasMessageContaining("NEWER");
        assertThatThrownBy(() -> IdempotencyStore.create(database().dataSource()))
                .isInstanceOf(SchemaException.class).hasMessageContaining("NEWER");
        database().execute("delete from microkit_schema_history where version = '2'");
        DurableSchema.verify(database().dataSource());
    }

    @Test
    void migrateCoexistsWithTheApplicationsOwnTablesAndFlywayHistory() {
        TestDatabase other = database().kind() == TestDatabase.Kind.H2 ? TestDatabase.h2() : TestDatabase.postgres();
        other.start();
        try {
            other.execute("create table flyway_schema_history (installed_rank int primary key, version varchar(50))");
            other.execute("create table orders (id varchar(36) primary key)");
            DurableSchema.migrate(other.dataSource());
            DurableSchema.verify(other.dataSource());
            other.execute("insert into orders (id) values ('kept')");
            other.execute("select count(*) from microkit_outbox");
        } finally {
            other.close();
        }
    }
}
