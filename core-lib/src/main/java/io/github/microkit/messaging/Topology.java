package io.github.microkit.messaging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Exchanges, queues and bindings as code: declared idempotently at start by {@link Rabbit#declare(Topology)},
 * declared again by the client after a connection recovers, or only checked against the live broker by
 * {@link Rabbit#verify(Topology)}.
 *
 * <pre>{@code
 * Topology topology = Topology.builder()
 *         .exchange("orders", ExchangeType.TOPIC)
 *         .queue(QueueSpec.quorum("orders.placed").retryDelays(Duration.ofSeconds(1), Duration.ofSeconds(10)))
 *         .bind("orders", "orders.placed", "order.placed")
 *         .build();
 * }</pre>
 *
 * <p>A queue's companions (dead-letter exchange and queue, delay queues) are part of the topology: they
 * appear in {@link #exchanges()}, {@link #queues()} and {@link #bindings()} next to what was named.
 */
public final class Topology {

    private final Map<String, ExchangeSpec> namedExchanges;
    private final Map<String, QueueSpec> namedQueues;
    private final List<BindingSpec> namedBindings;

    private Topology(Builder b) {
        this.namedExchanges = Map.copyOf(b.exchanges);
        this.namedQueues = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.queues));
        this.namedBindings = List.copyOf(b.bindings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The queue named {@code name} as declared (not its companions). */
    public Optional<QueueSpec> queue(String name) {
        return Optional.ofNullable(namedQueues.get(Objects.requireNonNull(name, "name")));
    }

    /** The type of exchange {@code name}, when this topology declares it. */
    public Optional<ExchangeType> exchangeType(String name) {
        Objects.requireNonNull(name, "name");
        return exchanges().stream().filter(e -> e.name().equals(name)).map(ExchangeSpec::type).findFirst();
    }

    /** Every exchange, companions included, in declaration order. */
    public List<ExchangeSpec> exchanges() {
        List<ExchangeSpec> all = new ArrayList<>(namedExchanges.values());
        for (QueueSpec q : namedQueues.values()) {
            if (q.deadLettering()) {
                all.add(ExchangeSpec.of(q.deadLetterExchange(), ExchangeType.DIRECT));
            }
        }
        return all;
    }

    /** Every queue with its arguments, companions included. */
    public List<DeclaredQueue> queues() {
        List<DeclaredQueue> all = new ArrayList<>();
        for (QueueSpec q : namedQueues.values()) {
            all.add(new DeclaredQueue(q.name(), q.arguments()));
            if (q.deadLettering()) {
                all.add(new DeclaredQueue(q.deadLetterQueue(), Map.of("x-queue-type", q.type().amqpName())));
            }
            for (int step = 1; step <= q.retryDelays().size(); step++) {
                Map<String, Object> args = new LinkedHashMap<>();
                args.put("x-queue-type", q.type().amqpName());
                args.put("x-message-ttl", Math.toIntExact(q.retryDelays().get(step - 1).toMillis()));
                // back to the failing queue only: the default exchange routes by queue name, so other queues
                // bound to the original exchange never see the retry
                args.put("x-dead-letter-exchange", "");
                args.put("x-dead-letter-routing-key", q.name());
                if (q.type() == QueueType.QUORUM) {
                    args.put("x-dead-letter-strategy", "at-least-once");
                    args.put("x-overflow", "reject-publish");
                }
                all.add(new DeclaredQueue(q.retryQueue(step), args));
            }
        }
        return all;
    }

    /** Every binding, companions included. */
    public List<BindingSpec> bindings() {
        List<BindingSpec> all = new ArrayList<>(namedBindings);
        for (QueueSpec q : namedQueues.values()) {
            if (q.deadLettering()) {
                all.add(new BindingSpec(q.deadLetterExchange(), q.deadLetterQueue(), q.name()));
            }
        }
        return all;
    }

    /**
     * A queue exactly as it is declared on the broker.
     *
     * @param name      the queue's name
     * @param arguments its {@code x-} arguments
     */
    public record DeclaredQueue(String name, Map<String, Object> arguments) {
        public DeclaredQueue {
            Objects.requireNonNull(name, "name");
            arguments = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
        }

        public String type() {
            return String.valueOf(arguments.getOrDefault("x-queue-type", "classic"));
        }
    }

    @Override
    public String toString() {
        return "Topology[exchanges=" + exchanges().size() + ", queues=" + queues().size() + ", bindings="
                + bindings().size() + "]";
    }

    /** Builds a {@link Topology}; names must be unique and bindings must refer to declared queues. */
    public static final class Builder {
        private final Map<String, ExchangeSpec> exchanges = new LinkedHashMap<>();
        private final Map<String, QueueSpec> queues = new LinkedHashMap<>();
        private final List<BindingSpec> bindings = new ArrayList<>();

        private Builder() {
        }

        public Builder exchange(String name, ExchangeType type) {
            return exchange(ExchangeSpec.of(name, type));
        }

        public Builder exchange(ExchangeSpec exchange) {
            Objects.requireNonNull(exchange, "exchange");
            if (exchanges.putIfAbsent(exchange.name(), exchange) != null) {
                throw new IllegalArgumentException("exchange '" + exchange.name() + "' is declared twice");
            }
            return this;
        }

        public Builder queue(QueueSpec.Builder queue) {
            return queue(Objects.requireNonNull(queue, "queue").build());
        }

        public Builder queue(QueueSpec queue) {
            Objects.requireNonNull(queue, "queue");
            if (queues.putIfAbsent(queue.name(), queue) != null) {
                throw new IllegalArgumentException("queue '" + queue.name() + "' is declared twice");
            }
            return this;
        }

        public Builder bind(String exchange, String queue, String routingKey) {
            bindings.add(new BindingSpec(exchange, queue, routingKey));
            return this;
        }

        public Topology build() {
            List<String> problems = new ArrayList<>();
            for (BindingSpec binding : bindings) {
                ExchangeSpec exchange = exchanges.get(binding.exchange());
                if (exchange == null) {
                    problems.add("binding " + binding + " names exchange '" + binding.exchange()
                            + "', which this topology does not declare");
                } else if (exchange.type().routesByKey() && binding.routingKey().isBlank()) {
                    problems.add("binding " + binding + " has a blank routing key, but " + exchange.type().amqpName()
                            + " exchange '" + exchange.name() + "' routes by key");
                }
                if (!queues.containsKey(binding.queue())) {
                    problems.add("binding " + binding + " names queue '" + binding.queue()
                            + "', which this topology does not declare");
                }
            }
            for (QueueSpec q : queues.values()) {
                if (q.deadLettering() && exchanges.containsKey(q.deadLetterExchange())) {
                    problems.add("exchange '" + q.deadLetterExchange() + "' is the dead-letter exchange of queue '"
                            + q.name() + "'; do not declare it yourself");
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("Invalid topology: " + String.join("; ", problems));
            }
            return new Topology(this);
        }
    }
}
