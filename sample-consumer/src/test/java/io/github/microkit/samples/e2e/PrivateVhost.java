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

    private static void management(String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(MANAGEMENT + path)).header("Authorization", AUTH);
        request = json == null ? request.method(method, HttpRequest.BodyPublishers.noBody())
                : request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }
}
