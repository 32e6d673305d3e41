package io.github.microkit.testing.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/** The database fixture against the real PostgreSQL server: a database of its own per instance, gone afterwards. */
class TestDatabasePostgresIT {

    @Test
    void aPostgresDatabaseIsCreatedForTheClassAndDroppedAfterwards() throws Exception {
        TestDatabase database = TestDatabase.postgres();
        database.start();
        String name = database.name();
        String server = TestDatabase.databaseUrl(database.jdbcUrl(), "postgres");
        database.execute("create table t (id int primary key)");
        database.execute("insert into t values (1)");
        try (Connection held = database.newDataSource(2).getConnection()) {
            // a connection still open when the class ends must not keep the database alive
            assertThat(held.isValid(1)).isTrue();
            database.close();
        }
        try (Connection admin = DriverManager.getConnection(server,
                database.username(), database.password());
                PreparedStatement ps = admin.prepareStatement("select count(*) from pg_database where datname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }
}
