package io.github.microkit.samples.e2e;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.microkit.testing.database.TestDatabase;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The database of one service in an end-to-end test, shared by all its replicas and restarts: a PostgreSQL
 * database of its own (from {@link TestDatabase}), or the samples' default, an H2 file under the working directory
 * opened with {@code AUTO_SERVER=TRUE}, here in one temporary directory that all the service's processes share, so
 * that several processes (and this test, to count rows) use one file. The test reads what the services wrote through {@link #count} and {@link #strings}.
 */
final class ServiceDatabase implements AutoCloseable {

    enum Engine {
        POSTGRESQL, H2
    }

    private final Engine engine;
    private final TestDatabase postgres;
    private final Path h2Dir;
    private final String url;
    private final String username;
    private final String password;
    private HikariDataSource pool;

    private ServiceDatabase(Engine engine, TestDatabase postgres, Path h2Dir, String url, String username, String password) {
        this.engine = engine;
        this.postgres = postgres;
        this.h2Dir = h2Dir;
        this.url = url;
        this.username = username;
        this.password = password;
    }

    /**
     * Whether {@code -De2e.engines=POSTGRESQL,H2} (the default: both) selects {@code engine}: to run one engine's
     * half of a test while working on it.
     */
    static boolean selected(Engine engine) {
        return java.util.Arrays.asList(System.getProperty("e2e.engines", "POSTGRESQL,H2").toUpperCase(java.util.Locale.ROOT)
                .split(",")).contains(engine.name());
    }

    static ServiceDatabase create(Engine engine, String service) throws IOException {
        if (engine == Engine.POSTGRESQL) {
            TestDatabase database = TestDatabase.postgres();
            database.start();
            return new ServiceDatabase(engine, database, null, database.jdbcUrl(), database.username(), database.password());
        }
        // no DATABASE_URL: every process of the service runs in this one directory and opens its default H2 file
        // there (./data/sample-<service>, AUTO_SERVER=TRUE); the test opens the same file to count rows
        Path dir = Files.createTempDirectory("microkit-e2e-h2-" + service + "-");
        String url = "jdbc:h2:file:" + dir.resolve("data").resolve("sample-" + service).toAbsolutePath() + ";"
                + TestDatabase.H2_POSTGRESQL_MODE + ";AUTO_SERVER=TRUE";
        return new ServiceDatabase(engine, null, dir, url, "sa", "");
    }

    Engine engine() {
        return engine;
    }

    /**
     * The variables that point a service at this database: PostgreSQL by {@code DATABASE_URL} and credentials; H2 by
     * no {@code DATABASE_URL} at all (the samples' default) and a shared working directory.
     */
    Map<String, String> env() {
        if (engine == Engine.H2) {
            return Map.of(ServiceProcess.WORK_DIR, h2Dir.toString());
        }
        return Map.of("DATABASE_URL", url, "DATABASE_USERNAME", username, "DATABASE_PASSWORD", password);
    }

    /**
     * A small pool of the test's own. On H2, open it only while a service holds the file: with
     * {@code AUTO_SERVER} the first process to open the file serves it to the others, and the test should not be
     * that process while services come and go.
     */
    synchronized DataSource dataSource() {
        if (pool == null) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setUsername(username);
            config.setPassword(password);
            config.setMaximumPoolSize(2);
            config.setMinimumIdle(0);
            config.setPoolName("e2e-" + engine);
            config.setConnectionTimeout(20_000);
            pool = new HikariDataSource(config);
        }
        return pool;
    }

    long count(String sql) {
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on " + engine + ": " + e.getMessage(), e);
        }
    }

    List<String> strings(String sql) {
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on " + engine + ": " + e.getMessage(), e);
        }
    }

    /** Closes the test's pool (on H2: lets a service own the file again). */
    synchronized void release() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }

    @Override
    public void close() throws IOException {
        release();
        if (postgres != null) {
            postgres.close();
        }
        if (h2Dir != null) {
            try (Stream<Path> files = Files.walk(h2Dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Override
    public String toString() {
        return engine + (postgres != null ? " " + postgres.name() : " " + h2Dir);
    }
}
