package io.github.microkit.samples.consumer;

import io.github.microkit.outbox.DurableSchema;
import io.github.microkit.samples.common.Database;
import io.github.microkit.samples.common.DatabaseSettings;
import io.github.microkit.secrets.Secret;
import io.github.microkit.testing.database.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The consumer's order tables, on PostgreSQL ({@link OrderStorePostgresIT}) and H2 ({@link OrderStoreH2Test}): what
 * the inbox's transaction writes and what {@code GET /orders} reads. That a redelivered message id does not run the
 * handler at all is the inbox's promise (core-lib's inbox tests, and OrderFlowIT end to end).
 */
abstract class OrderStoreContract {

    abstract TestDatabase database();

    private Database database;
    private OrderStore store;

    @BeforeEach
    void setUp() throws SQLException {
        TestDatabase db = database();
        // the service's own start-up path: microkit's tables, then ours (db/consumer)
        database = Database.open(new DatabaseSettings(db.jdbcUrl(), Optional.of(db.username()),
                        Optional.of(Secret.of("database-password", db.password())), false, true, 4),
                "sample-consumer", "classpath:db/consumer", "consumer_schema_history");
        store = new OrderStore(database.dataSource());
        execute("delete from orders");
        execute("delete from order_history");
    }

    @AfterEach
    void tearDown() {
        database.close();
    }

    private static OrderPlaced order(String id) {
        return new OrderPlaced(id, "c-1", List.of(new OrderPlaced.Item("BOOK-1", 2, "12.50")), "2026-01-01T00:00:00Z");
    }

    @Test
    void startingTwiceMigratesOnceAndBothSchemasAreThere() {
        Database again = Database.open(new DatabaseSettings(database().jdbcUrl(), Optional.of(database().username()),
                        Optional.of(Secret.of("database-password", database().password())), false, false, 2),
                "sample-consumer", "classpath:db/consumer", "consumer_schema_history"); // verify only
        again.close();
        DurableSchema.verify(database.dataSource());
    }

    @Test
    void theSameOrderSavedByTwoMessagesIsStoredOnceAndBothMessagesAreInTheHistory() throws SQLException {
        try (Connection tx = transaction()) {
            assertThat(store.save(tx, order("o-1"), "m-1", "trace-a", Instant.parse("2026-01-01T00:00:01Z"))).isTrue();
            assertThat(store.save(tx, order("o-1"), "m-2", "trace-b", Instant.parse("2026-01-01T00:00:02Z"))).isFalse();
            tx.commit();
        }

        assertThat(store.size()).isEqualTo(1);
        assertThat(store.find("o-1")).get().satisfies(o -> {
            assertThat(o.traceId()).isEqualTo("trace-a");
            assertThat(o.items()).containsExactly(new OrderPlaced.Item("BOOK-1", 2, "12.50"));
            assertThat(o.status()).isEqualTo("RECEIVED");
            assertThat(o.receivedAt()).isEqualTo("2026-01-01T00:00:01Z");
        });
        assertThat(count("select count(*) from order_history where order_id = 'o-1'")).isEqualTo(2);
    }

    @Test
    void aRolledBackSaveLeavesNeitherOrderNorHistory() throws SQLException {
        try (Connection tx = transaction()) {
            store.save(tx, order("o-rolled-back"), "m-1", "t", Instant.EPOCH);
            tx.rollback(); // as the inbox does when the handler throws: the message is retried later
        }

        assertThat(store.find("o-rolled-back")).isEmpty();
        assertThat(count("select count(*) from order_history")).isZero();
    }

    @Test
    void pagesFollowArrivalOrderAndTheCursorIsTheLastOrderIdOfAPage() throws SQLException {
        // ids that do not sort in arrival order: the page follows arrival, not the id
        for (String id : List.of("o-c", "o-a", "o-b")) {
            try (Connection tx = transaction()) {
                store.save(tx, order(id), "m-" + id, "t", Instant.EPOCH);
                tx.commit();
            }
        }

        OrderStore.Page first = store.page(Optional.empty(), 2);
        OrderStore.Page second = store.page(first.next(), 2);

        assertThat(first.items()).extracting(OrderStore.StoredOrder::orderId).containsExactly("o-c", "o-a");
        assertThat(first.next()).contains("o-a");
        assertThat(second.items()).extracting(OrderStore.StoredOrder::orderId).containsExactly("o-b");
        assertThat(second.next()).isEmpty();
        assertThat(store.page(Optional.empty(), 3).next()).as("a full last page has no next").isEmpty();
        assertThatThrownBy(() -> store.page(Optional.of("unknown"), 2)).isInstanceOf(IllegalArgumentException.class);
    }

    private Connection transaction() throws SQLException {
        Connection tx = database.dataSource().getConnection();
        tx.setAutoCommit(false);
        return tx;
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
