package io.github.microkit.testing.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh, empty database for a test class, as a JUnit 5 extension: a real PostgreSQL database of its own, or an
 * H2 database in PostgreSQL mode.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestDatabase database = TestDatabase.postgres();   // or TestDatabase.h2()
 *
 * @Test
 * void something() {
 *     DataSource dataSource = database.dataSource();               // a pool on this class's own database
 * }
 * }</pre>
 *
 * <p>PostgreSQL: the server of {@code DATABASE_URL} (a JDBC URL, with {@code DATABASE_USERNAME} and
 * {@code DATABASE_PASSWORD}) when set, else {@code jdbc:postgresql://127.0.0.1:5432/postgres} as {@code postgres}
 * with password {@code postgres}. A database with a unique name is created before the class's tests and dropped
 * after them (its leftover connections terminated first), so classes never see each other's rows and can run
 * against one server at once. When no server answers, the class fails with a message saying how to get one: a silent
 * skip would let a suite pass without testing anything.
 *
 * <p>H2: an in-memory database of its own ({@code MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH}),
 * gone when the class ends.
 */
public final class TestDatabase implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    /** Which database engine. */
    public enum Kind {
        POSTGRESQL, H2
    }

    /** The options of H2's PostgreSQL mode that microkit's schema is written for. */
    public static final String H2_POSTGRESQL_MODE = "MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";

    private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    private static final Pattern POSTGRES_URL = Pattern.compile("^(jdbc:postgresql://[^/?]*)(?:/([^?]*))?(\\?.*)?$");

    private final Kind kind;
    private final String adminUrl;
    private final String username;
    private final String password;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private String name;
    private String url;
    private HikariDataSource dataSource;

    private TestDatabase(Kind kind, String adminUrl, String username, String password) {
        this.kind = kind;
        this.adminUrl = adminUrl;
        this.username = username;
        this.password = password;
    }

    /** A PostgreSQL database of its own on the server of {@code DATABASE_URL}, else the local one. */
    public static TestDatabase postgres() {
        String url = env("DATABASE_URL");
        return new TestDatabase(Kind.POSTGRESQL, url != null ? url : DEFAULT_URL,
                orDefault(env("DATABASE_USERNAME"), "postgres"),
                orDefault(env("DATABASE_PASSWORD"), "postgres"));
    }

    /** A PostgreSQL database of its own on the server of {@code jdbcUrl}. */
    public static TestDatabase postgres(String jdbcUrl, String username, String password) {
        return new TestDatabase(Kind.POSTGRESQL, Objects.requireNonNull(jdbcUrl, "jdbcUrl"),
                Objects.requireNonNull(username, "username"), Objects.requireNonNull(password, "password"));
    }

    /** An H2 in-memory database of its own, in PostgreSQL mode. */
    public static TestDatabase h2() {
        return new TestDatabase(Kind.H2, null, "sa", "");
    }

    public Kind kind() {
        return kind;
    }

    /** The database's own name (unique per instance). */
    public synchronized String name() {
        requireStarted();
        return name;
    }

    /** The JDBC URL of this database. */
    public synchronized String jdbcUrl() {
        requireStarted();
        return url;
    }

    public String username() {
        return username;
    }

    /** The password, for the code under test; never for log lines. */
    public String password() {
        return password;
    }

    /** A pool of up to 10 connections on this database, closed after the class. */
    public synchronized DataSource dataSource() {
        requireStarted();
        return dataSource;
    }

    /**
     * Another pool on the same database, closed after the class: a second replica of a service, or a pool to
     * close abruptly in a test.
     */
    public synchronized HikariDataSource newDataSource(int maximumPoolSize) {
        requireStarted();
        HikariDataSource pool = pool(maximumPoolSize);
        pools.add(pool);
        return pool;
    }

    /** Runs {@code sql} on this database (auto-commit). */
    public void execute(String sql) {
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("could not run SQL on the test database: " + e.getMessage(), e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Creates the database and its pool (the extension calls it before the class's tests). */
    public synchronized void start() {
        if (dataSource != null) {
            return;
        }
        name = "microkit_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16)
                .toLowerCase(Locale.ROOT);
        if (kind == Kind.H2) {
            url = "jdbc:h2:mem:" + name + ";" + H2_POSTGRESQL_MODE + ";DB_CLOSE_DELAY=-1";
        } else {
            try (Connection admin = DriverManager.getConnection(adminUrl, username, password);
                    Statement s = admin.createStatement()) {
                s.execute("CREATE DATABASE " + name);
            } catch (SQLException e) {
                throw new ExtensionConfigurationException("No PostgreSQL server could be used at " + redact(adminUrl)
                        + " as user '" + username + "' (" + e.getMessage() + "). Start one: ./scripts/ensure-postgres.sh"
                        + " (Debian/Ubuntu: sudo apt-get install -y postgresql && sudo pg_ctlcluster"
                        + " --skip-systemctl-redirect $(ls /etc/postgresql | tail -1) main start), or point the tests"
                        + " at a server that lets this user create databases: export DATABASE_URL=jdbc:postgresql://"
                        + "host:5432/postgres DATABASE_USERNAME=... DATABASE_PASSWORD=...", e);
            }
            url = databaseUrl(adminUrl, name);
        }
        dataSource = pool(10);
    }

    /** Closes every pool and drops the database. */
    @Override
    public synchronized void close() {
        for (HikariDataSource pool : pools) {
            pool.close();
        }
        pools.clear();
        if (dataSource == null) {
            return;
        }
        if (kind == Kind.H2) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            } catch (SQLException e) {
                // already gone
            }
            dataSource.close();
        } else {
            dataSource.close();
            try (Connection admin = DriverManager.getConnection(adminUrl, username, password)) {
                try (PreparedStatement ps = admin.prepareStatement("SELECT pg_terminate_backend(pid)"
                        + " FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
                    ps.setString(1, name);
                    ps.execute();
                }
                try (Statement s = admin.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + name);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("could not drop test database " + name + ": " + e.getMessage(), e);
            }
        }
        dataSource = null;
    }

    private HikariDataSource pool(int maximumPoolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(username);
        config.setPassword(password);
        config.setMaximumPoolSize(maximumPoolSize);
        config.setMinimumIdle(0);
        config.setPoolName("test-" + name + "-" + (pools.size() + 1));
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }

    static String databaseUrl(String adminUrl, String database) {
        Matcher m = POSTGRES_URL.matcher(adminUrl);
        if (!m.matches()) {
            throw new ExtensionConfigurationException("DATABASE_URL must be a PostgreSQL JDBC URL such as"
                    + " jdbc:postgresql://127.0.0.1:5432/postgres, was " + redact(adminUrl));
        }
        return m.group(1) + "/" + database + (m.group(3) == null ? "" : m.group(3));
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private void requireStarted() {
        if (dataSource == null) {
            throw new IllegalStateException("the test database is not started: register it with @RegisterExtension"
                    + " on a static field, or call start()");
        }
    }

    private static String env(String name) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static String orDefault(String value, String fallback) {
        return value != null ? value : fallback;
    }

    @Override
    public String toString() {
        return "TestDatabase[" + kind + (name == null ? "" : " " + name) + "]";
    }
}
