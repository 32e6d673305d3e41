package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.Http;
import io.github.microkit.samples.common.ApiError;
import io.github.microkit.samples.common.BearerAuth;
import io.github.microkit.auth.VerifiedToken;
import io.github.microkit.messaging.MessagingException;
import io.github.microkit.messaging.PublishException;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.outbox.IdempotencyStore;
import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code POST /orders}: check the request, then accept the order in the way {@code PUBLISH_MODE} says: publish
 * {@code OrderPlaced} and answer 202 only after the broker confirmed it ({@code confirm}), or write the order and
 * its event into the database in one transaction and answer 202 at the commit ({@code outbox}; the relay
 * publishes). Each step in the order a reader would check it.
 */
final class OrdersEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(OrdersEndpoint.class);
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** How long a client should wait before retrying after a 503 caused by the broker. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final PublishMode mode;
    private final Publisher publisher;
    private final OrderBook orders;
    private final MeterRegistry metrics;
    private final Clock clock;

    OrdersEndpoint(PublishMode mode, Publisher publisher, OrderBook orders, MeterRegistry metrics,
                   Clock clock) {
        this.mode = mode;
        this.publisher = publisher;
        this.orders = orders;
        this.metrics = metrics;
        this.clock = clock;
    }

    void placeOrder(Context ctx) {
        // the caller's trace (or a new one) is current while we work: the publisher (or the outbox) copies it
        // into the message
        TraceContext trace = TraceContext.parseOrNew(ctx.header("traceparent"), ctx.header("tracestate"));
        try (CurrentTrace.Scope ignored = CurrentTrace.open(trace)) {
            place(ctx, trace);
        } catch (ApiError e) {
            metrics.counter("orders.rejected", "status", Integer.toString(e.status())).increment();
            LOG.info("order refused: {} {} trace={}", e.status(), e.error(), trace.traceId());
            throw e;
        }
    }

    private void place(Context ctx, TraceContext trace) {
        requireJsonContentType(ctx);
        OrderRequest order = OrderRequest.parse(readBody(ctx));
        VerifiedToken token = BearerAuth.token(ctx);
        // keys are per client: two clients that both pick key "1" get two orders
        Optional<String> key = OrderBook.validKey(ctx.header("Idempotency-Key")).map(k -> client(token) + " " + k);
        String requestHash = IdempotencyStore.requestHash(order.canonical().getBytes(StandardCharsets.UTF_8));

        OrderBook.Reservation reservation = mode == PublishMode.OUTBOX
                ? orders.acceptIntoOutbox(key, requestHash, () -> newEvent(order))
                : publishAndConfirm(orders.reserve(key, requestHash, () -> newEvent(order)));

        if (reservation.toPublish().isPresent()) {
            metrics.counter("orders.accepted", "mode", mode.name().toLowerCase(Locale.ROOT)).increment();
            LOG.info("order {} accepted: message {} {}, {} items, customer {} trace={}", reservation.orderId(),
                    reservation.messageId(), mode == PublishMode.OUTBOX ? "in the outbox" : "confirmed",
                    order.items().size(), order.customerId(), trace.traceId());
        } else {
            LOG.info("order {} repeated with the same Idempotency-Key: answered again, not published trace={}",
                    reservation.orderId(), trace.traceId());
        }
        ctx.header("traceresponse", trace.traceparent());
        Http.json(ctx, 202, Map.of("orderId", reservation.orderId(), "messageId", reservation.messageId()));
    }

    /** Confirm mode: publish and wait for the broker's confirm, unless the key was answered before. */
    private OrderBook.Reservation publishAndConfirm(OrderBook.Reservation reservation) {
        if (reservation.toPublish().isEmpty()) {
            return reservation;
        }
        try {
            publisher.publishAndWait(reservation.toPublish().get().toMessage(reservation.messageId()));
        } catch (PublishException e) {
            // confirm timeout, connection lost, window full, broker blocked or nacked: the client may retry
            // (with the same Idempotency-Key it gets the same order, and we send the same message id)
            orders.failed(reservation);
            LOG.warn("order {} not confirmed: {} (message {}) trace={}", reservation.orderId(), e.reason(),
                    reservation.messageId(), CurrentTrace.get().map(TraceContext::traceId).orElse("-"));
            throw ApiError.unavailable("The order could not be handed to the broker; retry with the same Idempotency-Key.",
                    RETRY_AFTER);
        } catch (MessagingException e) {
            orders.failed(reservation);
            LOG.warn("order {} not published: {} trace={}", reservation.orderId(), e.getClass().getSimpleName(),
                    CurrentTrace.get().map(TraceContext::traceId).orElse("-"));
            throw ApiError.unavailable("The broker is not available; retry later.", RETRY_AFTER);
        }
        orders.confirmed(reservation);
        return reservation;
    }

    private OrderPlaced newEvent(OrderRequest order) {
        return new OrderPlaced(UUID.randomUUID().toString(), order.customerId(), order.items(),
                clock.instant().toString());
    }

    private static void requireJsonContentType(Context ctx) {
        String contentType = ctx.header("Content-Type");
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json")) {
            throw ApiError.unsupportedMediaType();
        }
    }

    /** At most 64 KB, whether the client announced a length or streams chunks. */
    private static byte[] readBody(Context ctx) {
        long announced = ctx.req().getContentLengthLong();
        if (announced > MAX_BODY_BYTES) {
            throw ApiError.payloadTooLarge(MAX_BODY_BYTES);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(announced > 0 ? (int) announced : 1024);
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) != -1) {
                out.write(buffer, 0, n);
                if (out.size() > MAX_BODY_BYTES) {
                    throw ApiError.payloadTooLarge(MAX_BODY_BYTES);
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw ApiError.badRequest("The body could not be read.");
        }
    }

    /** Who sent the request, to keep clients' keys apart. */
    private static String client(VerifiedToken token) {
        return token.subject().or(() -> token.stringClaim("client_id")).or(() -> token.stringClaim("azp")).orElse("");
    }
}
