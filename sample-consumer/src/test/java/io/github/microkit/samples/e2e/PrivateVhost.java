package io.github.microkit.samples.e2e;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A virtual host of its own on the local broker for one test class: the services declare their real queue
 * names in it without meeting the demo's or another test's messages, and it is deleted afterwards. Counts
 * are read over AMQP (a passive declare is exact; the management API's statistics lag by seconds).
 */
final class PrivateVhost implements AutoCloseable {

    private static final String MANAGEMENT = System.getProperty("rabbitmq.management.url", "http://127.0.0.1:15672");
    private static final String AUTH = "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8));
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final String name = "microkit-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    private final Connection connection;

    PrivateVhost() throws Exception {
        management("PUT", "/api/vhosts/" + encoded(), "{}");
        management("PUT", "/api/permissions/" + encoded() + "/guest", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri());
        connection = factory.newConnection("e2e-test");
    }

    String name() {
        return name;
    }

    /** For the services' {@code RABBITMQ_URI}. */
    String uri() {
        return "amqp://guest:guest@127.0.0.1:5672/" + encoded();
    }

    long messageCount(String queue) throws Exception {
        try (Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        }
    }

    /**
     * Ready plus unacknowledged messages of {@code queue}, from the management API: zero means no consumer holds any
     * either. The API's figures are up to a few seconds old, so wait for zero together with {@link #messageCount}.
     */
    long messagesIncludingUnacked(String queue) throws Exception {
        HttpResponse<String> response = management("GET", "/api/queues/" + encoded() + "/"
                + URLEncoder.encode(queue, StandardCharsets.UTF_8) + "?columns=messages", null);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body()).path("messages").asLong(-1);
    }

    /** True when {@code queue} has neither ready nor unacknowledged messages (exact, and by the management API). */
    boolean drained(String queue) throws Exception {
        return messageCount(queue) == 0 && messagesIncludingUnacked(queue) == 0;
    }

    /** Takes every ready message off {@code queue} (acked), in order. */
    List<GetResponse> drain(String queue) throws Exception {
        List<GetResponse> messages = new ArrayList<>();
        try (Channel channel = connection.createChannel()) {
            GetResponse response;
            while ((response = channel.basicGet(queue, true)) != null) {
                messages.add(response);
            }
        }
        return messages;
    }

    /** Publishes raw bytes, as a broken or foreign producer would. */
    void publish(String exchange, String routingKey, com.rabbitmq.client.AMQP.BasicProperties properties, byte[] body)
            throws Exception {
        try (Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            channel.basicPublish(exchange, routingKey, true, properties, body);
            channel.waitForConfirmsOrDie(5_000);
        }
    }

    void unbind(String queue, String exchange, String routingKey) throws Exception {
        try (Channel channel = connection.createChannel()) {
            channel.queueUnbind(queue, exchange, routingKey);
        }
    }

    void bind(String queue, String exchange, String routingKey) throws Exception {
        try (Channel channel = connection.createChannel()) {
            channel.queueBind(queue, exchange, routingKey);
        }
    }

    /**
     * Closes every client connection of this virtual host but the test's own, through the management API, as a
     * network cut or an operator would: the services see {@code CONNECTION_FORCED} and recover. Returns how many
     * it closed (the API lists a new connection within a second or so; one it does not list yet stays open).
     */
    int closeConnections() throws Exception {
        HttpResponse<String> list = management("GET", "/api/vhosts/" + encoded() + "/connections?columns=name,user_provided_name", null);
        int closed = 0;
        for (com.fasterxml.jackson.databind.JsonNode c : new com.fasterxml.jackson.databind.ObjectMapper().readTree(list.body())) {
            if ("e2e-test".equals(c.path("user_provided_name").asText())) {
                continue;
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create(MANAGEMENT + "/api/connections/"
                            + URLEncoder.encode(c.path("name").asText(), StandardCharsets.UTF_8).replace("+", "%20")))
                    .header("Authorization", AUTH).header("X-Reason", "cut by the e2e test").DELETE().build();
            int status = HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status < 300) {
                closed++;
            }
        }
        return closed;
    }

    @Override
    public void close() throws Exception {
        try {
            connection.close();
        } finally {
            management("DELETE", "/api/vhosts/" + encoded(), null);
        }
    }

    private String encoded() {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> management(String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(MANAGEMENT + path)).header("Authorization", AUTH);
        request = json == null ? request.method(method, HttpRequest.BodyPublishers.noBody())
                : request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response;
    }
}
