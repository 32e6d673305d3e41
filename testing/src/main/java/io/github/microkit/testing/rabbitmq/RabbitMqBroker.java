package io.github.microkit.testing.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The shared RabbitMQ broker for tests, as a JUnit 5 extension.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();
 *
 * @Test
 * void something() {
 *     String queue = broker.uniqueName("orders");   // deleted after the test
 *     ... broker.uri() ...
 * }
 * }</pre>
 *
 * <p>It uses {@code RABBITMQ_URI} when set, else {@code amqp://guest:guest@127.0.0.1:5672}. When no broker
 * answers, the test class fails with a message that says how to get one: a silent skip would let a whole
 * suite pass without testing anything. Names from {@link #uniqueName(String)} are unique per run, and the
 * queues and exchanges of those names (plus their {@code .dlq}, {@code .dlx} and {@code .retry.N} companions)
 * are deleted after each test, so tests never see each other's messages.
 */
public final class RabbitMqBroker implements BeforeAllCallback, AfterEachCallback {

    private static final String DEFAULT_URI = "amqp://guest:guest@127.0.0.1:5672";

    private final String uri;
    private final List<String> names = Collections.synchronizedList(new ArrayList<>());

    private RabbitMqBroker(String uri) {
        this.uri = uri;
    }

    /** {@code RABBITMQ_URI} when set, else the local broker with guest/guest. */
    public static RabbitMqBroker fromEnvironment() {
        String fromEnv = System.getenv("RABBITMQ_URI");
        return new RabbitMqBroker(fromEnv == null || fromEnv.isBlank() ? DEFAULT_URI : fromEnv.strip());
    }

    public static RabbitMqBroker at(String uri) {
        return new RabbitMqBroker(Objects.requireNonNull(uri, "uri"));
    }

    /** The broker's AMQP URI, credentials included: for the code under test, not for log lines. */
    public String uri() {
        return uri;
    }

    /** A connection factory for the broker, for tests that inspect it with the raw client. */
    public ConnectionFactory connectionFactory() {
        ConnectionFactory factory = new ConnectionFactory();
        try {
            factory.setUri(uri);
        } catch (Exception e) {
            throw new ExtensionConfigurationException("RABBITMQ_URI is not a valid AMQP URI", e);
        }
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }

    /** A name unique to this run, starting with {@code prefix}; its queues and exchanges go after the test. */
    public String uniqueName(String prefix) {
        String name = Objects.requireNonNull(prefix, "prefix") + "-"
                + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
        names.add(name);
        return name;
    }

    /** Messages ready in {@code queue}, by a passive declare. */
    public long messageCount(String queue) {
        return withChannel(channel -> channel.queueDeclarePassive(queue).getMessageCount());
    }

    /** Runs {@code action} on a fresh channel of a fresh connection and closes both. */
    public <T> T withChannel(ChannelFunction<T> action) {
        try (Connection connection = connectionFactory().newConnection("microkit-test");
             Channel channel = connection.createChannel()) {
            return action.apply(channel);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("broker operation failed: " + e, e);
        } catch (Exception e) {
            if (e instanceof RuntimeException) {
                throw (RuntimeException) e;
            }
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        try (Connection ignored = connectionFactory().newConnection("microkit-test-probe")) {
            // reachable
        } catch (Exception e) {
            throw new ExtensionConfigurationException("No RabbitMQ broker at " + redacted(uri) + " (" + e
                    + "). Run the tests with ./test.sh, which starts or installs one; or start one on "
                    + "127.0.0.1:5672 with guest/guest (Debian: apt-get install -y rabbitmq-server && "
                    + "rabbitmq-server -detached); or set RABBITMQ_URI to an existing broker.", e);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> toDelete;
        synchronized (names) {
            toDelete = new ArrayList<>(names);
            names.clear();
        }
        if (toDelete.isEmpty()) {
            return;
        }
        try (Connection connection = connectionFactory().newConnection("microkit-test-cleanup")) {
            for (String name : toDelete) {
                List<String> queues = new ArrayList<>(List.of(name, name + ".dlq"));
                for (int i = 1; i <= 10; i++) {
                    queues.add(name + ".retry." + i);
                }
                for (String queue : queues) {
                    deleteQuietly(connection, channel -> channel.queueDelete(queue));
                }
                for (String exchange : List.of(name, name + ".dlx", name + ".retry")) {
                    deleteQuietly(connection, channel -> channel.exchangeDelete(exchange));
                }
            }
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("could not clean up test resources on the broker", e);
        }
    }

    private static void deleteQuietly(Connection connection, ChannelFunction<?> delete) {
        // deleting what does not exist is fine in RabbitMQ; a channel error here must not fail the test
        try (Channel channel = connection.createChannel()) {
            delete.apply(channel);
        } catch (Exception ignored) {
            // the channel is closed by the broker's error; nothing to clean up
        }
    }

    static String redacted(String uri) {
        try {
            URI parsed = URI.create(uri);
            return parsed.getUserInfo() == null ? uri : uri.replace(parsed.getRawUserInfo() + "@", "***@");
        } catch (IllegalArgumentException e) {
            return "<unparseable URI>";
        }
    }

    /** A broker operation on a channel. */
    @FunctionalInterface
    public interface ChannelFunction<T> {
        T apply(Channel channel) throws Exception;
    }

    @Override
    public String toString() {
        return "RabbitMqBroker[" + redacted(uri) + "]";
    }
}
