package io.github.microkit.samples.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every bad input at the producer's HTTP edge gets the right 4xx with a JSON error, never a 5xx, and publishes
 * nothing: the queue on a private vhost is counted on the broker after each request. Only the producer runs,
 * so whatever it published would stay in the queue.
 */
class HttpEdgeIT {

    private static IdentityProvider idp;
    private static PrivateVhost vhost;
    private static ServiceProcess producer;

    @BeforeAll
    static void start() throws Exception {
        idp = new IdentityProvider();
        vhost = new PrivateVhost();
        producer = ServiceProcess.producer(Map.of("RABBITMQ_URI", vhost.uri(), "JWT_ISSUER", idp.issuer())).awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        if (producer != null) {
            producer.close();
        }
        if (vhost != null) {
            vhost.close();
        }
        if (idp != null) {
            idp.close();
        }
    }

    @AfterEach
    void nothingWasPublished() throws Exception {
        assertThat(vhost.messageCount("orders.placed")).as("messages published by refused requests").isZero();
    }

    private static HttpResponse<String> post(String token, String body) throws Exception {
        return Client.send(Client.postOrder(producer, token, body));
    }

    private static void assertError(HttpResponse<String> response, int status, String error) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = Client.json(response);
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("message").asText()).isNotBlank();
    }

    @Test
    void invalidBodiesAre400WithTheProblemNamed() throws Exception {
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("{\"customerId\": \"c-1\", \"items\": [", "not valid JSON");
        bodies.put("not json at all", "not valid JSON");
        bodies.put("", "must be a JSON object");
        bodies.put("[]", "must be a JSON object");
        bodies.put("{}", "customerId is required; items is required");
        bodies.put("{\"customerId\":\"c-1\",\"items\":[{\"sku\":\"S\",\"quantity\":1}]}", "items[0].unitPrice is required");
        bodies.put("{\"customerId\":42,\"items\":[{\"sku\":\"S\",\"quantity\":1,\"unitPrice\":\"1.00\"}]}", "customerId must be a string");
        bodies.put("{\"customerId\":\"c-1\",\"items\":[{\"sku\":\"S\",\"quantity\":\"2\",\"unitPrice\":\"1.00\"}]}", "quantity must be an integer");
        bodies.put("{\"customerId\":\"c-1\",\"items\":[{\"sku\":\"S\",\"quantity\":2,\"unitPrice\":1.5}]}", "unitPrice must be a decimal string");
        bodies.put("{\"customerId\":\"c-1\",\"items\":{}}", "items must be an array");
        bodies.put("{\"customerId\":\"c-1\",\"items\":[]}", "1 to 100 items");
        String token = idp.writer();
        for (Map.Entry<String, String> body : bodies.entrySet()) {
            HttpResponse<String> response = post(token, body.getKey());
            assertError(response, 400, "invalid_request");
            assertThat(response.body()).as(body.getKey()).contains(body.getValue());
        }
    }

    @Test
    void bodyOver64KbIs413() throws Exception {
        String padding = "x".repeat(64 * 1024);
        assertError(post(idp.writer(), "{\"customerId\":\"" + padding + "\",\"items\":[]}"), 413, "payload_too_large");
    }

    @Test
    void bodyOver64KbWithoutContentLengthIs413() throws Exception {
        byte[] big = ("{\"customerId\":\"" + "x".repeat(70 * 1024) + "\",\"items\":[]}").getBytes();
        // a streamed body (chunked): the limit holds while reading, not only on the announced length
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(producer.url("/orders")))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + idp.writer())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)));
        assertError(Client.send(request), 413, "payload_too_large");
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        HttpRequest.Builder request = Client.postOrder(producer, idp.writer(), Client.ORDER).setHeader("Content-Type", "text/plain");
        assertError(Client.send(request), 415, "unsupported_media_type");
    }

    @Test
    void noTokenIs401WithARealmAndNoErrorCode() throws Exception {
        HttpResponse<String> response = post(null, Client.ORDER);

        assertError(response, 401, "unauthorized");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"orders\"");
    }

    @Test
    void garbageExpiredAndTamperedTokensAre401InvalidToken() throws Exception {
        String valid = idp.writer();
        int middle = valid.length() - 20;
        String tampered = valid.substring(0, middle) + (valid.charAt(middle) == 'A' ? 'B' : 'A') + valid.substring(middle + 1);
        for (String token : new String[] {"garbage", "a.b.c", idp.token("e2e-client", "orders:write", -600), tampered}) {
            HttpResponse<String> response = post(token, Client.ORDER);
            assertError(response, 401, "invalid_token");
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v ->
                    assertThat(v).startsWith("Bearer realm=\"orders\", error=\"invalid_token\""));
        }
    }

    @Test
    void malformedAuthorizationHeaderIs400InvalidRequest() throws Exception {
        HttpResponse<String> response = Client.send(Client.postOrder(producer, null, Client.ORDER)
                .header("Authorization", "Bearer two words"));

        assertError(response, 400, "invalid_request");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"orders\", error=\"invalid_request\"");
    }

    @Test
    void tokenWithoutTheWriteScopeIs403() throws Exception {
        HttpResponse<String> response = post(idp.token("reader", "orders:read", 3600), Client.ORDER);

        assertError(response, 403, "insufficient_scope");
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"orders\", error=\"insufficient_scope\", scope=\"orders:write\"");
    }

    @Test
    void malformedIdempotencyKeyIs400AndUnknownRouteIs404() throws Exception {
        assertError(Client.send(Client.postOrder(producer, idp.writer(), Client.ORDER).header("Idempotency-Key", "has space")),
                400, "invalid_request");
        assertError(Client.send(HttpRequest.newBuilder(URI.create(producer.url("/nothing-here"))).GET()), 404, "not_found");
    }

    @Test
    void aValidOrderIsPublishedOnceSoTheCountAboveMeansSomething() throws Exception {
        HttpResponse<String> response = post(idp.writer(), Client.ORDER);

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(vhost.drain("orders.placed")).singleElement().satisfies(message ->
                assertThat(message.getProps().getMessageId()).isEqualTo(Client.json(response).path("messageId").asText()));
    }
}
