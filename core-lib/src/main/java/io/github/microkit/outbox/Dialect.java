package io.github.microkit.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/** The few places where PostgreSQL can do better than the SQL both databases share. */
enum Dialect {
    POSTGRESQL,
    OTHER;

    static Dialect of(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName();
        return product != null && product.toLowerCase(Locale.ROOT).contains("postgresql") ? POSTGRESQL : OTHER;
    }
}
