package io.github.microkit.outbox;

import io.github.microkit.MicrokitException;
import java.sql.SQLException;
import java.util.Optional;

/**
 * A database operation of the outbox, the inbox or the idempotency store failed: the connection broke, a
 * statement was refused, the schema is not the expected one ({@link SchemaException}). Wraps the driver's
 * {@link SQLException}; {@link #operation()} says what microkit was doing and {@link #sqlState()} what the
 * database answered.
 */
public class DatabaseException extends MicrokitException {

    private final String operation;
    private final String sqlState;

    DatabaseException(String operation, String message, Throwable cause) {
        super(message, cause);
        this.operation = operation;
        this.sqlState = cause instanceof SQLException ? ((SQLException) cause).getSQLState() : null;
    }

    static DatabaseException of(String operation, SQLException cause) {
        return new DatabaseException(operation, "Could not " + operation + ": " + describe(cause)
                + ". Check that the database is reachable and that the microkit schema is migrated"
                + " (DurableSchema.migrate).", cause);
    }

    /** What microkit was doing, such as {@code append to the outbox}. */
    public String operation() {
        return operation;
    }

    /** The SQLSTATE the database answered, when it answered one. */
    public Optional<String> sqlState() {
        return Optional.ofNullable(sqlState);
    }

    static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown";
        }
        String message = cause.getMessage();
        if (cause instanceof SQLException && ((SQLException) cause).getSQLState() != null) {
            return cause.getClass().getSimpleName() + " [SQLSTATE " + ((SQLException) cause).getSQLState() + "]"
                    + (message == null ? "" : ": " + firstLine(message));
        }
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + firstLine(message));
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
