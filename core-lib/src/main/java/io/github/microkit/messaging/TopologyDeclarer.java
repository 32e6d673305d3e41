package io.github.microkit.messaging;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Declares a topology, or checks it against the live broker without changing anything. */
final class TopologyDeclarer {

    private static final Pattern INEQUIVALENT = Pattern.compile("inequivalent arg '([^']+)'.*?received (.*)$");

    private TopologyDeclarer() {
    }

    /**
     * Declares everything on {@code channel}'s connection, so that the client's topology recovery declares
     * it again after a reconnect. Fails on the first error, naming what could not be declared.
     */
    static void declare(Channel channel, Topology topology) {
        String current = "";
        try {
            for (ExchangeSpec e : topology.exchanges()) {
                current = "exchange '" + e.name() + "'";
                channel.exchangeDeclare(e.name(), e.type().amqpName(), true, false, e.arguments());
            }
            for (Topology.DeclaredQueue q : topology.queues()) {
                current = "queue '" + q.name() + "'";
                channel.queueDeclare(q.name(), true, false, false, q.arguments());
            }
            for (BindingSpec b : topology.bindings()) {
                current = "binding " + b;
                channel.queueBind(b.queue(), b.exchange(), b.routingKey());
            }
        } catch (IOException | RuntimeException e) {
            throw MessagingException.declareFailed(current, rootOf(e));
        }
    }

    /**
     * Checks every exchange and queue (bindings need the management API to be seen, and binding again
     * would create a missing one, so they are not checked). Existence is checked passively; arguments by declaring
     * again with the expected ones on a throwaway channel: the broker answers 406 naming the first
     * argument that differs and closes only that channel, and changes nothing when all match.
     */
    static List<String> verify(Connection connection, Topology topology) {
        List<String> mismatches = new ArrayList<>();
        for (ExchangeSpec e : topology.exchanges()) {
            String problem = check(connection, ch -> ch.exchangeDeclarePassive(e.name()),
                    ch -> ch.exchangeDeclare(e.name(), e.type().amqpName(), true, false, e.arguments()));
            if (problem != null) {
                mismatches.add("exchange '" + e.name() + "' " + problem);
            }
        }
        for (Topology.DeclaredQueue q : topology.queues()) {
            // the broker names only the first argument that differs, and checks the dead-letter exchange
            // before the type: ask about the type alone first, so a wrong type is always reported as such
            String typeProblem = check(connection, ch -> ch.queueDeclarePassive(q.name()),
                    ch -> ch.queueDeclare(q.name(), true, false, false, Map.of("x-queue-type", q.type())));
            if (typeProblem != null && (typeProblem.equals("is missing") || typeProblem.contains("(x-queue-type)"))) {
                mismatches.add("queue '" + q.name() + "' " + typeProblem);
                if (typeProblem.equals("is missing")) {
                    continue;
                }
            }
            String problem = check(connection, ch -> ch.queueDeclarePassive(q.name()),
                    ch -> ch.queueDeclare(q.name(), true, false, false, q.arguments()));
            if (problem != null && !problem.contains("(x-queue-type)")) {
                mismatches.add("queue '" + q.name() + "' " + problem);
            }
        }
        return mismatches;
    }

    private static String check(Connection connection, ChannelAction passive, ChannelAction expected) {
        try (Channel channel = connection.createChannel()) {
            passive.run(channel);
        } catch (IOException e) {
            ShutdownSignalException signal = signalOf(e);
            if (signal != null && signal.getReason() instanceof AMQP.Channel.Close
                    && ((AMQP.Channel.Close) signal.getReason()).getReplyCode() == AMQP.NOT_FOUND) {
                return "is missing";
            }
            return "could not be checked: " + MessagingException.describe(rootOf(e));
        } catch (TimeoutException | RuntimeException e) {
            return "could not be checked: " + MessagingException.describe(e);
        }
        try (Channel channel = connection.createChannel()) {
            expected.run(channel);
            return null;
        } catch (IOException e) {
            String text = String.valueOf(rootOf(e).getMessage());
            Matcher m = INEQUIVALENT.matcher(text);
            if (m.find()) {
                String arg = m.group(1);
                String detail = m.group(2).replaceAll(",\\s*class-id=.*$", "").replaceAll("[\")}\\s]+$", "");
                return "differs in " + describeArg(arg) + " (" + detail + ")";
            }
            return "differs: " + text;
        } catch (TimeoutException | RuntimeException e) {
            return "could not be checked: " + MessagingException.describe(e);
        }
    }

    private static String describeArg(String arg) {
        switch (arg) {
            case "x-queue-type":
                return "type (x-queue-type)";
            case "x-dead-letter-exchange":
                return "dead-letter exchange (x-dead-letter-exchange)";
            case "type":
                return "exchange type";
            default:
                return "argument " + arg;
        }
    }

    private static ShutdownSignalException signalOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException) {
                return (ShutdownSignalException) t;
            }
        }
        return null;
    }

    static Throwable rootOf(Throwable e) {
        ShutdownSignalException signal = signalOf(e);
        return signal != null ? signal : e;
    }

    @FunctionalInterface
    private interface ChannelAction {
        void run(Channel channel) throws IOException;
    }
}
