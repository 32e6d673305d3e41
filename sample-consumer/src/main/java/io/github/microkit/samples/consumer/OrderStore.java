package io.github.microkit.samples.consumer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The consumer's state: orders in the order they arrived, in memory (a real service would use its own
 * database; the shape of the code stays the same). Saving is idempotent on the order id, so a message that
 * is delivered twice is stored once even without the subscription's deduplication.
 */
final class OrderStore {

    /** What the consumer serves at {@code GET /orders/{orderId}}. */
    record StoredOrder(String orderId, String customerId, List<OrderPlaced.Item> items, String status, String traceId,
                       String receivedAt) {
    }

    /** One page of {@code GET /orders}; {@code next} is the cursor for the following page. */
    record Page(List<StoredOrder> items, Optional<String> next) {
    }

    private final Map<String, Integer> positionById = new HashMap<>(); // guarded by this
    private final List<StoredOrder> inArrivalOrder = new ArrayList<>(); // guarded by this

    /** @return true when the order is new, false when it was stored before (a redelivery) */
    synchronized boolean save(OrderPlaced order, String traceId, Instant receivedAt) {
        if (positionById.containsKey(order.orderId())) {
            return false;
        }
        positionById.put(order.orderId(), inArrivalOrder.size());
        inArrivalOrder.add(new StoredOrder(order.orderId(), order.customerId(), List.copyOf(order.items()), "RECEIVED",
                traceId, receivedAt.toString()));
        return true;
    }

    synchronized Optional<StoredOrder> find(String orderId) {
        Integer position = positionById.get(orderId);
        return position == null ? Optional.empty() : Optional.of(inArrivalOrder.get(position));
    }

    /**
     * Up to {@code limit} orders after the order {@code after} (from the start when empty).
     *
     * @throws IllegalArgumentException when {@code after} names no order
     */
    synchronized Page page(Optional<String> after, int limit) {
        int from = 0;
        if (after.isPresent()) {
            Integer position = positionById.get(after.get());
            if (position == null) {
                throw new IllegalArgumentException("unknown cursor");
            }
            from = position + 1;
        }
        int to = Math.min(inArrivalOrder.size(), from + limit);
        List<StoredOrder> items = List.copyOf(inArrivalOrder.subList(from, to));
        Optional<String> next = to < inArrivalOrder.size() && !items.isEmpty()
                ? Optional.of(items.get(items.size() - 1).orderId()) : Optional.empty();
        return new Page(items, next);
    }

    synchronized int size() {
        return inArrivalOrder.size();
    }
}
