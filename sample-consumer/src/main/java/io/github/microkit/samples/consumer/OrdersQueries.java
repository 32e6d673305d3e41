package io.github.microkit.samples.consumer;

import io.github.microkit.samples.common.Http;
import io.github.microkit.samples.common.ApiError;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code GET /orders/{orderId}} and {@code GET /orders?limit=&after=} (scope {@code orders:read}). */
final class OrdersQueries {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private final OrderStore store;

    OrdersQueries(OrderStore store) {
        this.store = store;
    }

    void one(Context ctx) {
        String orderId = ctx.pathParam("orderId");
        OrderStore.StoredOrder order = store.find(orderId)
                .orElseThrow(() -> ApiError.notFound("No order with this id (yet): orders appear once consumed."));
        Http.json(ctx, 200, order);
    }

    void page(Context ctx) {
        int limit = limit(ctx.queryParam("limit"));
        Optional<String> after = Optional.ofNullable(ctx.queryParam("after")).filter(s -> !s.isEmpty());
        OrderStore.Page page;
        try {
            page = store.page(after, limit);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("after must be the orderId of an order on the previous page.");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", page.items());
        body.put("next", page.next().orElse(null));
        Http.json(ctx, 200, body);
    }

    private static int limit(String raw) {
        if (raw == null || raw.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("limit must be an integer from 1 to " + MAX_LIMIT + ".");
    }
}
