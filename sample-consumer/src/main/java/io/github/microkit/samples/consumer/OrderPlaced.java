package io.github.microkit.samples.consumer;

import java.util.List;

/**
 * The producer's event, version 1 ({@code order.placed.v1}), as this service reads it. The consumer keeps its
 * own copy of the contract instead of sharing a class with the producer: the two deploy independently, and
 * unknown fields are ignored so the producer may add some.
 */
record OrderPlaced(String orderId, String customerId, List<Item> items, String placedAt) {

    static final String TYPE = "order.placed.v1";

    record Item(String sku, int quantity, String unitPrice) {
    }
}
