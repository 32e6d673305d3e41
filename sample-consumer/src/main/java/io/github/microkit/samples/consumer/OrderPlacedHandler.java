package io.github.microkit.samples.consumer;

import io.github.microkit.messaging.MessageMetadata;
import io.github.microkit.messaging.NonRetryableException;
import io.github.microkit.outbox.InboxHandler;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.regex.Pattern;

/**
 * Handles one {@code order.placed.v1} message, inside the inbox's transaction ({@code inbox.handler("order-store",
 * handler)}): the order, its history row and the record that this message id was processed commit together, so a
 * redelivered message finds its id and does not run this again. The subscription acks after the commit, retries
 * later when this throws (the transaction rolls back), and dead-letters at once on {@link NonRetryableException}:
 * an event that breaks the contract will not get better by waiting, so it goes to {@code orders.placed.dlq} with
 * the reason in its headers.
 */
final class OrderPlacedHandler implements InboxHandler<OrderPlaced> {

    private static final Logger LOG = LoggerFactory.getLogger(OrderPlacedHandler.class);
    private static final Pattern ID = Pattern.compile("[\\x21-\\x7e]{1,64}");

    private final OrderStore store;
    private final MeterRegistry metrics;
    private final Clock clock;

    OrderPlacedHandler(OrderStore store, MeterRegistry metrics, Clock clock) {
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void handle(OrderPlaced order, MessageMetadata metadata, Connection tx) throws SQLException {
        String traceId = metadata.trace().traceId();
        checkContract(order);
        String messageId = metadata.messageId().orElse("-"); // the inbox dead-letters messages without one
        if (store.save(tx, order, messageId, traceId, clock.instant())) {
            metrics.counter("orders.stored").increment();
            LOG.info("order {} stored: {} items, customer {}, message {} attempt {} trace={}", order.orderId(),
                    order.items().size(), order.customerId(), metadata.messageId().orElse("-"), metadata.attempt(),
                    traceId);
        } else {
            // another message about an order we have (a client's retry published under a new message id):
            // storing is idempotent on the order id; the history keeps the message
            LOG.info("order {} already stored: message {} recorded, order unchanged trace={}", order.orderId(),
                    metadata.messageId().orElse("-"), traceId);
        }
    }

    private static void checkContract(OrderPlaced order) {
        if (order.orderId() == null || !ID.matcher(order.orderId()).matches()) {
            throw new NonRetryableException("order.placed.v1 without a valid orderId");
        }
        if (order.customerId() == null || order.items() == null || order.items().isEmpty()) {
            throw new NonRetryableException("order.placed.v1 without customerId or items");
        }
    }
}
