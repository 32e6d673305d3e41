package io.github.microkit.samples.producer;

import io.github.microkit.messaging.OutboundMessage;

import java.util.List;

/**
 * The event, version 1 (message type {@code order.placed.v1}). Prices stay decimal strings, as the client
 * sent them: no binary floating point between two services that count money.
 *
 * @param placedAt ISO-8601 instant at which the producer accepted the order
 */
record OrderPlaced(String orderId, String customerId, List<OrderRequest.Item> items, String placedAt) {

    static final String TYPE = "order.placed.v1";
    static final String EXCHANGE = "orders";
    static final String ROUTING_KEY = "order.placed";

    /** The message as the contract wants it, the same for the publisher (confirm mode) and the outbox. */
    OutboundMessage toMessage(String messageId) {
        return OutboundMessage.to(EXCHANGE, ROUTING_KEY)
                .payload(this)
                .messageId(messageId) // the same id on every retry: the consumer's inbox deduplicates on it
                .correlationId(orderId)
                .type(TYPE)
                .appId(ProducerSettings.SERVICE)
                .build();
    }
}
