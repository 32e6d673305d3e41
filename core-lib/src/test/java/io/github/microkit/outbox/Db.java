package io.github.microkit.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** Small JDBC helpers for the tests: the code under test does its own JDBC, these only look. */
final class Db {

    private Db() {
    }

    /** Runs {@code work} in a transaction and commits it; rolls back on an exception. */
    static <T> T inTransaction(DataSource dataSource, TxWork<T> work) {
        try (Connection tx = dataSource.getConnection()) {
            tx.setAutoCommit(false);
            try {
                T result = work.run(tx);
                tx.commit();
                return result;
            } catch (Exception e) {
                tx.rollback();
                throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
            } finally {
                tx.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static long count(DataSource dataSource, String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void execute(DataSource dataSource, String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Empties microkit's tables (and the tests' own), keeping the schema. */
    static void reset(DataSource dataSource) {
        DurableSchema.migrate(dataSource);
        execute(dataSource, "delete from microkit_outbox");
        execute(dataSource, "delete from microkit_inbox");
        execute(dataSource, "delete from microkit_idempotency_key");
        execute(dataSource, "create table if not exists test_order (id varchar(64) primary key, note varchar(255))");
        execute(dataSource, "delete from test_order");
    }

    @FunctionalInterface
    interface TxWork<T> {
        T run(Connection tx) throws Exception;
    }
}
