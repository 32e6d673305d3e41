package io.github.microkit.samples.e2e;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What the consumer wrote, read from its own database: the {@code orders} table (one row per order, by
 * primary key) and the {@code order_history} witness (one row per message the handler ran for, no unique
 * constraint). An order whose message was handled twice shows as two history rows for one order id, so
 * {@code duplicated = history rows - distinct order ids in history}; {@code lost = sent - sent orders stored}.
 */
record StoredOrders(long rows, long historyRows, long historyDistinct, Set<String> ids) {

    static StoredOrders read(ServiceDatabase consumerDatabase) {
        return new StoredOrders(
                consumerDatabase.count("select count(*) from orders"),
                consumerDatabase.count("select count(*) from order_history"),
                consumerDatabase.count("select count(distinct order_id) from order_history"),
                new HashSet<>(consumerDatabase.strings("select order_id from orders")));
    }

    /** Orders sent that are not stored. */
    long lost(Collection<String> sent) {
        return sent.stream().filter(id -> !ids.contains(id)).count();
    }

    /** Messages whose effects ran more than once for the same order. */
    long duplicated() {
        return historyRows - historyDistinct;
    }

    String figures(Collection<String> sent) {
        return "sent=" + sent.size() + " stored=" + rows + " history=" + historyRows + " lost=" + lost(sent)
                + " duplicated=" + duplicated();
    }

    /** The body of an {@code order.placed.v1} event, as the producer sends it. */
    static Map<String, Object> event(String orderId, String customerId) {
        return Map.of("orderId", orderId, "customerId", customerId,
                "items", List.of(Map.of("sku", "BOOK-1", "quantity", 2, "unitPrice", "12.50")),
                "placedAt", "2026-01-01T00:00:00Z");
    }

    static String newOrderId() {
        return UUID.randomUUID().toString();
    }

    static String seconds(long startedNanos) {
        return String.format(java.util.Locale.ROOT, "%.1fs", (System.nanoTime() - startedNanos) / 1e9);
    }
}
