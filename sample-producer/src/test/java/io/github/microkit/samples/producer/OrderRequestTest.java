package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.ApiError;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrderRequestTest {

    private static OrderRequest parse(String json) {
        return OrderRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRejected(String json, String... problems) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.error()).isEqualTo("invalid_request");
            assertThat(e.getMessage()).contains(problems);
        });
    }

    @Test
    void validOrderKeepsPricesAsTheDecimalStringsTheClientSent() {
        OrderRequest order = parse("{\"customerId\":\"c-42\",\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":2,\"unitPrice\":\"12.50\"}]}");

        assertThat(order.customerId()).isEqualTo("c-42");
        assertThat(order.items()).containsExactly(new OrderRequest.Item("BOOK-1", 2, "12.50"));
    }

    @Test
    void everyProblemOfABodyIsReportedInOneAnswer() {
        assertRejected("{\"customerId\":7,\"items\":[{\"sku\":\"\",\"quantity\":2.5,\"unitPrice\":12.5}],\"extra\":true}",
                "extra is not a known field", "customerId must be a string", "items[0].sku must be a string",
                "items[0].quantity must be an integer from 1 to 1000", "items[0].unitPrice must be a decimal string");
    }

    @Test
    void malformedJsonIsABadRequestThatPointsAtTheSpot() {
        assertRejected("{\"customerId\": \"c-1\", ", "not valid JSON (line 1");
        assertRejected("[]", "must be a JSON object");
        assertRejected("{\"customerId\":\"c\",\"items\":[]} trailing", "not valid JSON");
        assertRejected("{\"customerId\":\"a\",\"customerId\":\"b\",\"items\":[]}", "not valid JSON");
    }

    @Test
    void itemCountAndQuantityHaveBounds() {
        String item = "{\"sku\":\"S\",\"quantity\":1,\"unitPrice\":\"1\"}";
        assertRejected("{\"customerId\":\"c\",\"items\":[]}", "1 to 100 items, not 0");
        assertRejected("{\"customerId\":\"c\",\"items\":[" + (item + ",").repeat(100) + item + "]}", "not 101");
        assertThat(parse("{\"customerId\":\"c\",\"items\":[" + (item + ",").repeat(99) + item + "]}").items()).hasSize(100);
        assertRejected("{\"customerId\":\"c\",\"items\":[{\"sku\":\"S\",\"quantity\":0,\"unitPrice\":\"1\"}]}", "quantity");
        assertRejected("{\"customerId\":\"c\",\"items\":[{\"sku\":\"S\",\"quantity\":1001,\"unitPrice\":\"1\"}]}", "quantity");
        assertRejected("{\"customerId\":\"c\",\"items\":[{\"sku\":\"S\",\"quantity\":\"2\",\"unitPrice\":\"1\"}]}", "quantity");
    }

    @Test
    void pricesMustBeNonNegativeDecimalStrings() {
        for (String bad : new String[] {"-1", "1e3", "01", "1.", "1.23456", "NaN", " 1"}) {
            assertRejected("{\"customerId\":\"c\",\"items\":[{\"sku\":\"S\",\"quantity\":1,\"unitPrice\":\"" + bad + "\"}]}",
                    "unitPrice must be a decimal string");
        }
        assertThat(parse("{\"customerId\":\"c\",\"items\":[{\"sku\":\"S\",\"quantity\":1,\"unitPrice\":\"0.0001\"}]}")
                .items().get(0).unitPrice()).isEqualTo("0.0001");
    }

    @Test
    void bodiesThatDifferOnlyInLayoutAreTheSameOrder() {
        OrderRequest compact = parse("{\"customerId\":\"c\",\"items\":[{\"sku\":\"S\",\"quantity\":1,\"unitPrice\":\"1\"}]}");
        OrderRequest spaced = parse("{ \"items\" : [ {\"unitPrice\":\"1\", \"quantity\":1, \"sku\":\"S\"} ],\n \"customerId\":\"c\" }");

        assertThat(spaced.canonical()).isEqualTo(compact.canonical());
    }
}
