package io.github.microkit.samples.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The HTTP client side of the tests: plain java.net.http, as any client of the services would be. */
final class Client {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ORDER = "{\"customerId\":\"c-42\",\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":2,\"unitPrice\":\"12.50\"}]}";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    private Client() {
    }

    static HttpRequest.Builder postOrder(ServiceProcess producer, String token, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(producer.url("/orders")))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    static HttpResponse<String> get(ServiceProcess service, String path, String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(service.url(path))).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).GET());
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }
}
