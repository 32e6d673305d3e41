package io.github.microkit.testing.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** The database fixture without a server: H2 databases of their own, URLs, a clear failure when none answers. */
class TestDatabaseTest {

    @Test
    void withoutAReachableServerTheClassFailsSayingHowToGetOne() {
        TestDatabase database = TestDatabase.postgres("jdbc:postgresql://127.0.0.1:1/postgres", "postgres", "secret");
        assertThatThrownBy(database::start)
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("No PostgreSQL server")
                .hasMessageContaining("ensure-postgres.sh")
                .hasMessageContaining("DATABASE_URL")
                .hasMessageNotContaining("secret");
    }

    @Test
    void h2DatabasesAreSeparateAndInPostgresMode() {
        TestDatabase one = TestDatabase.h2();
        TestDatabase two = TestDatabase.h2();
        one.start();
        two.start();
        try {
            one.execute("create table only_in_one (id int)");
            two.execute("create table only_in_one (id int)"); // would fail if they shared a database
            assertThat(one.jdbcUrl()).contains(TestDatabase.H2_POSTGRESQL_MODE);
            assertThat(one.kind()).isEqualTo(TestDatabase.Kind.H2);
        } finally {
            one.close();
            two.close();
        }
    }

    @Test
    void theDatabaseNameReplacesTheOneInTheServersUrl() {
        assertThat(TestDatabase.databaseUrl("jdbc:postgresql://db:5432/postgres?sslmode=require", "x"))
                .isEqualTo("jdbc:postgresql://db:5432/x?sslmode=require");
        assertThat(TestDatabase.databaseUrl("jdbc:postgresql://db", "x")).isEqualTo("jdbc:postgresql://db/x");
        assertThatThrownBy(() -> TestDatabase.databaseUrl("jdbc:mysql://db/x", "x"))
                .isInstanceOf(ExtensionConfigurationException.class);
    }
}
