package io.github.microkit.samples.producer;

import io.github.microkit.outbox.IdempotencyStore;
import io.github.microkit.outbox.Outbox;
import io.github.microkit.samples.common.ApiError;
import io.github.microkit.samples.common.Database;
import io.github.microkit.samples.common.DatabaseSettings;
import io.github.microkit.secrets.Secret;
import io.github.microkit.testing.database.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The producer's orders and Idempotency-Keys in the database, on PostgreSQL ({@link OrderBookPostgresIT}) and H2
 * ({@link OrderBookH2Test}): the HTTP semantics of a retried {@code POST /orders} in both publish modes, without a
 * broker (the publish itself is OrderFlowIT's).
 */
abstract class OrderBookContract {

    abstract TestDatabase database();

    private Database database;
    private OrderBook book;
    private final String bodyA = hash("{\"customerId\":\"c-1\"}");
    private final String bodyB = hash("{\"customerId\":\"c-2\"}");

    @BeforeEach
    void setUp() throws SQLException {
        TestDatabase db = database();
        database = Database.open(new DatabaseSettings(db.jdbcUrl(), Optional.of(db.username()),
                        Optional.of(Secret.of("database-password", db.password())), false, true, 4),
                "sample-producer", "classpath:db/producer", "producer_schema_history");
        book = new OrderBook(database.dataSource(), IdempotencyStore.create(database.dataSource()), Outbox.create());
        for (String table : List.of("orders", "microkit_outbox", "microkit_idempotency_key")) {
            execute("delete from " + table);
        }
    }

    @AfterEach
    void tearDown() {
        database.close();
    }

    private static OrderPlaced newEvent() {
        return new OrderPlaced(UUID.randomUUID().toString(), "c-1", List.of(new OrderRequest.Item("BOOK-1", 2, "12.50")),
                "2026-01-01T00:00:00Z");
    }

    private static Optional<String> key(String key) {
        return Optional.of("client-1 " + key);
    }

    // ------------------------------------------------------------------------------------------- confirm mode

    @Test
    void aConfirmedOrderRetriedWithTheSameKeyAndBodyGetsTheSameIdsAndIsNotPublishedAgain() {
        OrderBook.Reservation first = book.reserve(key("k1"), bodyA, OrderBookContract::newEvent);
        assertThat(first.toPublish()).as("the first request publishes").isPresent();
        book.confirmed(first);

        OrderBook.Reservation retry = book.reserve(key("k1"), bodyA, OrderBookContract::newEvent);

        assertThat(retry.orderId()).isEqualTo(first.orderId());
        assertThat(retry.messageId()).isEqualTo(first.messageId());
        assertThat(retry.toPublish()).as("answered again, nothing to publish").isEmpty();
        assertThat(book.size()).isEqualTo(1);
    }

    @Test
    void aRetryAfterAFailedPublishRepublishesTheSameMessageId() {
        OrderBook.Reservation first = book.reserve(key("k2"), bodyA, OrderBookContract::newEvent);
        book.failed(first); // the broker did not confirm: 503, the client retries

        OrderBook.Reservation retry = book.reserve(key("k2"), bodyA, OrderBookContract::newEvent);

        assertThat(retry.orderId()).isEqualTo(first.orderId());
        assertThat(retry.messageId()).as("the consumer's inbox absorbs a copy that did land").isEqualTo(first.messageId());
        assertThat(retry.toPublish()).isPresent();
    }

    @Test
    void theSameKeyWithAnotherBodyIs422AlsoAfterAFailedAttempt() {
        OrderBook.Reservation first = book.reserve(key("k3"), bodyA, OrderBookContract::newEvent);
        assertThatThrownBy(() -> book.reserve(key("k3"), bodyB, OrderBookContract::newEvent))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(422));

        book.failed(first); // the key's record is gone, the order row remembers the body
        assertThatThrownBy(() -> book.reserve(key("k3"), bodyB, OrderBookContract::newEvent))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(422));
    }

    @Test
    void aDuplicateWhileTheFirstRequestIsStillPublishingIs409WithRetryAfter() {
        book.reserve(key("k4"), bodyA, OrderBookContract::newEvent); // publishing, not confirmed yet

        assertThatThrownBy(() -> book.reserve(key("k4"), bodyA, OrderBookContract::newEvent))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.headers()).containsKey("Retry-After");
                });
    }

    @Test
    void ordersWithoutAKeyAreAlwaysNewAndCostNoDatabaseWriteInConfirmMode() {
        OrderBook.Reservation one = book.reserve(Optional.empty(), bodyA, OrderBookContract::newEvent);
        OrderBook.Reservation two = book.reserve(Optional.empty(), bodyA, OrderBookContract::newEvent);
        book.confirmed(one);
        book.confirmed(two);

        assertThat(one.orderId()).isNotEqualTo(two.orderId());
        assertThat(one.toPublish()).isPresent();
        assertThat(two.toPublish()).isPresent();
        assertThat(book.size()).as("nothing to answer again: the confirmed message is the record").isZero();
    }

    // -------------------------------------------------------------------------------------------- outbox mode

    @Test
    void outboxModeCommitsTheOrderItsEventAndTheKeyTogetherAndARetryAddsNothing() throws SQLException {
        OrderBook.Reservation first = book.acceptIntoOutbox(key("k5"), bodyA, OrderBookContract::newEvent);
        OrderBook.Reservation retry = book.acceptIntoOutbox(key("k5"), bodyA, OrderBookContract::newEvent);

        assertThat(retry.orderId()).isEqualTo(first.orderId());
        assertThat(retry.messageId()).isEqualTo(first.messageId());
        assertThat(retry.toPublish()).isEmpty();
        assertThat(count("select count(*) from orders where order_id = ? and status = 'OUTBOX'", first.orderId()))
                .isEqualTo(1);
        assertThat(count("select count(*) from microkit_outbox where message_id = ? and ordering_key = ?"
                + " and exchange = 'orders' and routing_key = 'order.placed' and message_type = 'order.placed.v1'",
                first.messageId(), first.orderId())).isEqualTo(1);
        assertThat(count("select count(*) from microkit_outbox")).isEqualTo(1);
    }

    @Test
    void outboxModeWithAKeyReusedForAnotherBodyWritesNothing() throws SQLException {
        book.acceptIntoOutbox(key("k6"), bodyA, OrderBookContract::newEvent);

        assertThatThrownBy(() -> book.acceptIntoOutbox(key("k6"), bodyB, OrderBookContract::newEvent))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(422));
        assertThat(count("select count(*) from orders")).isEqualTo(1);
        assertThat(count("select count(*) from microkit_outbox")).isEqualTo(1);
    }

    @Test
    void keyMustBeOneTo128VisibleAsciiCharacters() {
        assertThat(OrderBook.validKey(null)).isEmpty();
        assertThat(OrderBook.validKey("k".repeat(128))).contains("k".repeat(128));
        for (String bad : new String[] {"", "k".repeat(129), "with space", "tab\t", "é"}) {
            assertThatThrownBy(() -> OrderBook.validKey(bad))
                    .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(400));
        }
    }

    private static String hash(String body) {
        return IdempotencyStore.requestHash(body.getBytes(StandardCharsets.UTF_8));
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private long count(String sql, String... parameters) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
