package io.github.microkit.samples.producer;

import java.util.List;

/**
 * The event, version 1 (message type {@code order.placed.v1}). Prices stay decimal strings, as the client
 * sent them: no binary floating point between two services that count money.
 *
 * @param placedAt ISO-8601 instant at which the producer accepted the order
 */
record OrderPlaced(String orderId, String customerId, List<OrderRequest.Item> items, String placedAt) {

    static final String TYPE = "order.placed.v1";
}
