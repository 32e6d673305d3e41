package io.github.microkit.messaging;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * What the library knows about exchanges: the types of those it declared, and which ones exist.
 *
 * <p>Publishing to an exchange that does not exist makes the broker close the channel, failing every
 * message in flight on it. Checking each exchange once, passively, on a throwaway channel turns a typo
 * into one clear error for one message instead.
 */
final class ExchangeRegistry {

    private final Map<String, ExchangeType> declaredTypes = new ConcurrentHashMap<>();
    private final Set<String> knownToExist = ConcurrentHashMap.newKeySet();

    void declared(Topology topology) {
        for (ExchangeSpec e : topology.exchanges()) {
            declaredTypes.put(e.name(), e.type());
            knownToExist.add(e.name());
        }
    }

    Optional<ExchangeType> typeOf(String exchange) {
        return Optional.ofNullable(declaredTypes.get(exchange));
    }

    /** Forget what exists: after a channel error the broker's state may have changed under us. */
    void forgetExistence() {
        knownToExist.clear();
    }

    /**
     * @return true when it exists, false when the broker says it does not
     * @throws IOException when the broker could not be asked
     */
    boolean exists(Connection connection, String exchange) throws IOException {
        if (exchange.isEmpty() || knownToExist.contains(exchange)) {
            return true;
        }
        try (Channel channel = connection.createChannel()) {
            channel.exchangeDeclarePassive(exchange);
            knownToExist.add(exchange);
            return true;
        } catch (IOException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ShutdownSignalException
                    && ((ShutdownSignalException) cause).getReason() instanceof AMQP.Channel.Close
                    && ((AMQP.Channel.Close) ((ShutdownSignalException) cause).getReason()).getReplyCode()
                    == AMQP.NOT_FOUND) {
                return false;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new IOException("timed out checking exchange '" + exchange + "'", e);
        } catch (ShutdownSignalException e) {
            throw new IOException(e);
        }
    }
}
