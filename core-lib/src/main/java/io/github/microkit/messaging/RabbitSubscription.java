package io.github.microkit.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Consumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import io.github.microkit.health.HealthStatus;
import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription: {@code concurrency} channels, each with one consumer whose handler runs on the client's
 * dispatch thread for that channel, so a channel processes its messages one at a time and in order, and the ack
 * goes out on the thread that processed the message.
 *
 * <p>With batching ({@link Rabbit#subscribeBatches}) each channel's consumer collects admitted messages (decoded,
 * not duplicates) in a buffer, under the consumer's lock, and hands them to the handler together when the buffer is
 * full (on the dispatch thread), when the batch wait has passed (on the handlers' pool), or when the subscription
 * drains or the consumer is cancelled. Whoever flushes holds the lock, so one channel never runs two batches at
 * once and its deliveries wait meanwhile. Without batching every message is a batch of one, handled on arrival:
 * both modes share admission, handling, fallback and settlement.
 */
final class RabbitSubscription<T> implements Subscription {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitSubscription.class);
    private static final int MAX_EXCEPTION_MESSAGE = 256;
    private static final Pattern SECRET_ASSIGNMENT = Pattern.compile(
            "(?i)(password|passwd|pwd|secret|token|api[_-]?key|authorization|credentials?)(\\s*[=:]\\s*)\\S+");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer|basic)\\s+[A-Za-z0-9._~+/=-]+");
    private static final Pattern URI_USERINFO = Pattern.compile("://[^/@\\s]+@");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    private final SubscriptionConfig<T> config;
    private final BatchHandler<T> handler;
    private final boolean batching;
    private volatile Connection connection; // replaced by moveTo: new consumers open their channels here
    private final ConfirmingPublisher forwarder;
    private final Duration forwardTimeout;
    private final MessagingMetrics.ConsumerMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final Executor flusher; // runs the flushes the batch wait and the drain start, never on the scheduler
    private final Runnable onClose;
    private final String queue;
    private final QueueSpec spec;
    private final ObjectReader reader;
    private final Deduplicator dedup;
    private final LossDetector loss;
    private final Slot[] slots;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drainMonitor = new Object();
    private final Object lifecycle = new Object();
    private volatile boolean draining;
    private volatile boolean closed;

    private final LongAdder consumed = new LongAdder();
    private final LongAdder acked = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder requeued = new LongAdder();
    private final LongAdder handlerFailures = new LongAdder();
    private final AtomicLong interruptions = new AtomicLong();
    private final AtomicLong resubscribed = new AtomicLong();
    private volatile Instant interruptedSince; // null while consuming normally
    private volatile String interruptionCause;
    private volatile Instant lastInterruptionStart;
    private volatile Instant lastInterruptionEnd;

    /**
     * @param handler  gets one message per call unless {@code batching}; see {@link #oneAtATime(MessageHandler)}
     * @param batching collect up to {@link SubscriptionConfig#batchSize()} messages per call
     */
    RabbitSubscription(SubscriptionConfig<T> config, BatchHandler<T> handler, boolean batching, Connection connection,
            ConfirmingPublisher forwarder, Duration forwardTimeout, MessagingMetrics.ConsumerMetrics metrics,
            ScheduledExecutorService scheduler, Executor flusher, Runnable onClose) {
        this.config = config;
        this.handler = handler;
        this.batching = batching;
        this.connection = connection;
        this.forwarder = forwarder;
        this.forwardTimeout = forwardTimeout;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.flusher = flusher;
        this.onClose = onClose;
        this.spec = config.queue();
        this.queue = spec.name();
        this.reader = config.objectMapper().readerFor(config.payloadType());
        this.dedup = config.deduplicator().orElse(null);
        this.loss = config.lossDetector();
        this.slots = new Slot[config.concurrency()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i);
        }
    }

    /** A message handler as a handler of batches of one: the single-message path is the batch path with size 1. */
    static <T> BatchHandler<T> oneAtATime(MessageHandler<T> handler) {
        return messages -> {
            InboundMessage<T> message = messages.get(0);
            handler.handle(message.payload(), message.metadata());
        };
    }

    /** Opens every consumer channel; throws when one cannot consume (the queue is missing ...). */
    void start() {
        for (Slot slot : slots) {
            try {
                subscribe(slot);
            } catch (IOException | RuntimeException e) {
                throw new MessagingException("Could not consume from queue '" + queue + "': "
                        + MessagingException.describe(TopologyDeclarer.rootOf(e)), e);
            }
        }
        if (batching) {
            LOG.info("consuming queue '{}' with {} channel(s), prefetch {}, {} attempt(s), batches of up to {} within {}",
                    queue, slots.length, config.prefetch(), config.maxAttempts(), config.batchSize(),
                    config.batchWait());
        } else {
            LOG.info("consuming queue '{}' with {} channel(s), prefetch {}, {} attempt(s)", queue, slots.length,
                    config.prefetch(), config.maxAttempts());
        }
    }

    private void subscribe(Slot slot) throws IOException {
        Channel channel = connection.createChannel();
        try {
            channel.basicQos(config.prefetch());
            SlotConsumer consumer = new SlotConsumer(slot, channel);
            slot.consumer = consumer;
            slot.channel = channel;
            String tag = config.consumerTagPrefix() + "-" + queue + "-" + slot.index + "-"
                    + UUID.randomUUID().toString().substring(0, 8);
            slot.tag = channel.basicConsume(queue, false, tag, consumer);
            // consume-ok has arrived; its callback may still be queued behind deliveries
            slot.consuming = true;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    // ---------------------------------------------------------------- delivery

    private void deliver(SlotConsumer consumer, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
        inFlight.incrementAndGet();
        Delivery d = new Delivery(consumer, envelope, properties, body);
        try {
            if (batching) {
                consumer.offer(d);
            } else if (!draining && admit(d)) { // draining: not started, stays unacked and goes back to the queue
                handle(List.of(d));
            }
        } catch (RuntimeException | Error e) {
            // a bug of ours or an Error from the handler: never ack what was not processed
            LOG.error("processing message {} from '{}' failed unexpectedly; returning it to the queue",
                    properties.getMessageId(), queue, e);
            if (!d.buffered && !d.done) {
                requeue(d);
            }
        } finally {
            if (!d.buffered) {
                finished(1); // a buffered delivery is finished by the flush that settles or drops it
            }
        }
    }

    private void finished(int deliveries) {
        if (inFlight.addAndGet(-deliveries) == 0 && draining) {
            synchronized (drainMonitor) {
                drainMonitor.notifyAll();
            }
        }
    }

    /**
     * What every delivery goes through before its handler: counted, fed to the loss detector, its type checked, its
     * body decoded, its id claimed. False when it was settled here (dead-lettered, a duplicate acked or returned) or
     * arrived on a channel that is gone (it comes back by redelivery).
     */
    private boolean admit(Delivery d) {
        if (d.stale()) {
            LOG.debug("message {} from '{}' arrived on a channel that is gone; it comes back by redelivery",
                    d.messageId(), queue);
            d.done = true;
            return false;
        }
        consumed.increment();
        metrics.consumed();
        Map<String, Object> headers = d.properties.getHeaders();
        if (d.attempt == 1 && headers != null) {
            // delayed retries are our own copies: only first attempts say something about the publisher's sequence
            Object publisher = headers.get(MessageHeaders.PUBLISHER_ID);
            Object seq = headers.get(MessageHeaders.PUBLISHER_SEQ);
            if (publisher != null && seq instanceof Number) {
                loss.record(publisher.toString(), ((Number) seq).longValue());
            }
        }
        String type = d.properties.getType();
        if (!config.accepts(type)) {
            deadLetter(d, NonRetryableException.class.getName(),
                    "message type " + (type == null ? "(none)" : "'" + truncate(type, 64) + "'")
                            + " is not one this subscription accepts " + config.acceptedTypes());
            return false;
        }
        T payload;
        try {
            payload = decode(d.body);
        } catch (IOException e) {
            deadLetter(d, e.getClass().getName(), describeDecodeFailure(e));
            return false;
        }
        String messageId = d.messageId();
        if (dedup != null && messageId != null) {
            Deduplicator.Claim claim = claim(d);
            if (claim == Deduplicator.Claim.DONE) {
                duplicates.increment();
                metrics.duplicateSkipped();
                LOG.debug("message {} from '{}' was processed before; acking the duplicate", messageId, queue);
                ack(d);
                return false;
            }
            if (claim == Deduplicator.Claim.IN_PROGRESS) {
                LOG.info("message {} from '{}' is still being processed by another handler after {}; returning"
                        + " the duplicate to the queue", messageId, queue, config.duplicateWait());
                requeue(d);
                return false;
            }
            d.claimed = true;
        }
        TraceContext trace = traceOf(headers);
        d.message = new InboundMessage<>(payload, new MessageMetadata(queue, d.envelope, d.properties, trace,
                d.attempt));
        return true;
    }

    private Deduplicator.Claim claim(Delivery d) {
        String messageId = d.messageId();
        Deduplicator.Claim claim = dedup.claim(messageId);
        if (claim != Deduplicator.Claim.IN_PROGRESS) {
            return claim;
        }
        if (batching) {
            // the claim may be our own channel's, on a message waiting in its batch: that batch cannot flush while
            // this delivery waits for it, so flush it first (we hold its lock)
            d.consumer.flush();
            claim = dedup.claim(messageId);
            if (claim != Deduplicator.Claim.IN_PROGRESS) {
                return claim;
            }
        }
        try {
            if (dedup.awaitSettled(messageId, config.duplicateWait())) {
                return dedup.claim(messageId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Deduplicator.Claim.IN_PROGRESS;
    }

    /**
     * Runs the handler for admitted deliveries of one channel (a batch, or a single message) and settles each: acked
     * after it returned; after it threw, a single message is retried or dead-lettered, and a batch falls back to
     * running each message alone, so that one poison message does not take the others with it. Never throws for a
     * handler's exception; an {@code Error} (or a bug of ours) releases the claims and goes to the caller, which
     * returns the unsettled deliveries to the queue.
     */
    private void handle(List<Delivery> unit) {
        List<InboundMessage<T>> messages;
        if (unit.size() == 1) {
            messages = List.of(unit.get(0).message);
        } else {
            List<InboundMessage<T>> list = new ArrayList<>(unit.size());
            for (Delivery d : unit) {
                list.add(d.message);
            }
            messages = java.util.Collections.unmodifiableList(list);
        }
        long started = System.nanoTime();
        // the trace is the message's only when there is one message; a batch handler reads each from its metadata
        try (CurrentTrace.Scope ignored = unit.size() == 1 ? CurrentTrace.open(messages.get(0).metadata().trace())
                : null) {
            handler.handle(messages);
        } catch (Exception e) {
            metrics.handled(System.nanoTime() - started, false);
            handlerFailures.increment();
            if (unit.size() == 1) {
                failed(unit.get(0), e);
            } else {
                LOG.info("a batch of {} messages from '{}' failed ({}); handling each of them alone", unit.size(),
                        queue, e.getClass().getSimpleName());
                for (Delivery d : unit) {
                    if (d.stale()) { // the channel went while the batch ran: the broker delivers them again
                        release(d);
                        d.done = true;
                    } else {
                        handleGuarded(List.of(d));
                    }
                }
            }
            return;
        } catch (Error e) {
            for (Delivery d : unit) {
                release(d);
            }
            throw e;
        }
        metrics.handled(System.nanoTime() - started, true);
        succeeded(unit);
    }

    /** {@link #handle} for a unit whose caller would not return its deliveries to the queue on an Error. */
    private void handleGuarded(List<Delivery> unit) {
        try {
            handle(unit);
        } catch (RuntimeException | Error e) {
            LOG.error("processing {} message(s) from '{}' failed unexpectedly; returning them to the queue",
                    unit.size(), queue, e);
            for (Delivery d : unit) {
                if (!d.done) {
                    requeue(d);
                }
            }
        }
    }

    private void failed(Delivery d, Exception e) {
        release(d);
        if (d.stale()) {
            // its channel is gone and the broker delivers it again: a retry copy now would run it twice
            LOG.debug("message {} from '{}' failed after its channel closed; it comes back by redelivery",
                    d.messageId(), queue);
            d.done = true;
            return;
        }
        if (e instanceof NonRetryableException) {
            deadLetter(d, e.getClass().getName(), safeMessage(e));
        } else {
            retryOrDeadLetter(d, e);
        }
    }

    /** Records the handled messages as done with the deduplicator, then acks them. */
    private void succeeded(List<Delivery> unit) {
        boolean allRecorded = true;
        for (Delivery d : unit) {
            if (!d.claimed) {
                continue;
            }
            try {
                dedup.complete(d.messageId());
            } catch (RuntimeException e) {
                // not recorded as done: acking would let a duplicate through, so let the broker deliver it again
                LOG.warn("could not record message {} from '{}' as processed ({}); returning it to the queue",
                        d.messageId(), queue, MessagingException.describe(e));
                requeue(d);
                allRecorded = false;
            }
        }
        if (unit.size() > 1 && allRecorded && unit.get(0).consumer.mayAckThrough()) {
            ackThrough(unit);
            return;
        }
        for (Delivery d : unit) {
            if (!d.done) {
                ack(d);
            }
        }
    }

    /** Gives up a delivery's claim: its handler did not complete, and a later delivery must run it. */
    private void release(Delivery d) {
        if (d.claimed) {
            d.claimed = false;
            dedup.release(d.messageId());
        }
    }

    @SuppressWarnings("unchecked")
    private T decode(byte[] body) throws IOException {
        if (config.payloadType() == byte[].class) {
            return (T) body;
        }
        T value = reader.readValue(body);
        if (value == null) {
            throw JsonMappingException.from((com.fasterxml.jackson.core.JsonParser) null, "the body is JSON null");
        }
        return value;
    }

    /** Says where and why decoding failed, never with the body's values (they may be personal data). */
    private String describeDecodeFailure(IOException e) {
        String target = config.payloadType().getSimpleName();
        if (e instanceof JsonMappingException) {
            JsonMappingException m = (JsonMappingException) e;
            StringBuilder path = new StringBuilder("$");
            for (JsonMappingException.Reference ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    path.append('.').append(truncate(ref.getFieldName(), 64));
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
            return "body does not match " + target + " at " + path + " (" + e.getClass().getSimpleName() + ")";
        }
        if (e instanceof JsonProcessingException && ((JsonProcessingException) e).getLocation() != null) {
            var location = ((JsonProcessingException) e).getLocation();
            return "body is not valid JSON (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
        }
        return "body could not be decoded as " + target + " (" + e.getClass().getSimpleName() + ")";
    }

    private void retryOrDeadLetter(Delivery d, Exception failure) {
        int attempt = d.attempt;
        if (attempt >= config.maxAttempts()) {
            deadLetter(d, failure.getClass().getName(), safeMessage(failure));
            return;
        }
        String delayQueue = spec.retryQueue(attempt);
        Map<String, Object> headers = copyHeaders(d.properties);
        headers.put(MessageHeaders.ATTEMPT, attempt + 1);
        headers.putIfAbsent(MessageHeaders.ORIGINAL_EXCHANGE, d.envelope.getExchange());
        headers.putIfAbsent(MessageHeaders.ORIGINAL_ROUTING_KEY, d.envelope.getRoutingKey());
        if (move("", delayQueue, d.properties, headers, d.body)) {
            retried.increment();
            metrics.retried();
            LOG.info("message {} from '{}' failed on attempt {} of {} ({}); retrying in {}", d.messageId(),
                    queue, attempt, config.maxAttempts(), failure.getClass().getSimpleName(),
                    spec.retryDelays().get(attempt - 1));
            ack(d);
        } else {
            requeue(d);
        }
    }

    private void deadLetter(Delivery d, String exceptionType, String exceptionMessage) {
        Map<String, Object> headers = copyHeaders(d.properties);
        headers.put(MessageHeaders.EXCEPTION_TYPE, exceptionType);
        headers.put(MessageHeaders.EXCEPTION_MESSAGE, truncate(exceptionMessage, MAX_EXCEPTION_MESSAGE));
        headers.putIfAbsent(MessageHeaders.ORIGINAL_EXCHANGE, d.envelope.getExchange());
        headers.putIfAbsent(MessageHeaders.ORIGINAL_ROUTING_KEY, d.envelope.getRoutingKey());
        headers.put(MessageHeaders.ORIGINAL_QUEUE, queue);
        headers.put(MessageHeaders.ATTEMPT, d.attempt);
        headers.put(MessageHeaders.DEAD_LETTERED_AT, Instant.now().toString());
        if (move(spec.deadLetterExchange(), queue, d.properties, headers, d.body)) {
            deadLettered.increment();
            metrics.deadLettered();
            LOG.warn("message {} from '{}' dead-lettered to '{}' on attempt {}: {}: {}", d.messageId(),
                    queue, spec.deadLetterQueue(), d.attempt, exceptionType,
                    headers.get(MessageHeaders.EXCEPTION_MESSAGE));
            ack(d);
        } else {
            requeue(d);
        }
    }

    /** Publishes the copy with a confirm and waits for it; false when it is not safely there. */
    private boolean move(String exchange, String routingKey, AMQP.BasicProperties properties,
            Map<String, Object> headers, byte[] body) {
        AMQP.BasicProperties copy = properties.builder().headers(headers).expiration(null).deliveryMode(2).build();
        try {
            forwarder.forward(exchange, routingKey, copy, body)
                    .get(forwardTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            LOG.warn("could not move message {} from '{}' to '{}' ({}); returning it to the queue",
                    properties.getMessageId(), queue, exchange.isEmpty() ? routingKey : exchange,
                    MessagingException.describe(e.getCause()));
        } catch (TimeoutException e) {
            LOG.warn("no confirm moving message {} from '{}' to '{}'; returning it to the queue",
                    properties.getMessageId(), queue, exchange.isEmpty() ? routingKey : exchange);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void ack(Delivery d) {
        d.done = true;
        if (d.stale()) {
            // never on a channel that is gone (or came back: its tags now name other messages); the broker delivers
            // the message again, and a deduplicator recognises it
            LOG.debug("not acking message {} from '{}': its channel is gone", d.messageId(), queue);
            return;
        }
        try {
            d.consumer.channel.basicAck(d.tag(), false);
            acked.increment();
            metrics.acked();
        } catch (IOException | AlreadyClosedException e) {
            // the channel is gone: the broker delivers the message again, and a deduplicator recognises it
            LOG.debug("ack on '{}' failed ({}); the message will be delivered again", queue, e.toString());
        }
    }

    /**
     * Acks a handled batch with one frame: {@code multiple} up to its last tag. Only when the batch holds every
     * delivery of its channel still unsettled below that tag (see {@link SlotConsumer#mayAckThrough()}), which
     * {@link #succeeded} checks first.
     */
    private void ackThrough(List<Delivery> batch) {
        Delivery last = batch.get(batch.size() - 1);
        for (Delivery d : batch) {
            d.done = true;
        }
        if (last.stale()) { // one delegate channel for the whole batch: stale together
            LOG.debug("not acking {} messages from '{}': their channel is gone", batch.size(), queue);
            return;
        }
        try {
            last.consumer.channel.basicAck(last.tag(), true);
            acked.add(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                metrics.acked();
            }
        } catch (IOException | AlreadyClosedException e) {
            LOG.debug("ack on '{}' failed ({}); the messages will be delivered again", queue, e.toString());
        }
    }

    private void requeue(Delivery d) {
        d.done = true;
        if (d.stale()) {
            return; // its channel is gone: it is back in the queue already
        }
        try {
            d.consumer.channel.basicNack(d.tag(), false, true);
            requeued.increment();
        } catch (IOException | AlreadyClosedException e) {
            LOG.debug("nack on '{}' failed ({}); the message will be delivered again", queue, e.toString());
        }
    }

    private static Map<String, Object> copyHeaders(AMQP.BasicProperties properties) {
        Map<String, Object> headers = properties.getHeaders();
        return headers == null ? new HashMap<>() : new HashMap<>(headers);
    }

    private static int attemptOf(Map<String, Object> headers) {
        Object value = headers == null ? null : headers.get(MessageHeaders.ATTEMPT);
        if (value instanceof Number) {
            return Math.max(1, ((Number) value).intValue());
        }
        return 1;
    }

    private static TraceContext traceOf(Map<String, Object> headers) {
        if (headers == null) {
            return TraceContext.newRoot();
        }
        Object parent = headers.get(MessageHeaders.TRACEPARENT);
        Object state = headers.get(MessageHeaders.TRACESTATE);
        return TraceContext.parseOrNew(parent == null ? null : parent.toString(), state == null ? null : state.toString());
    }

    /** The exception's message without what looks like a secret; handlers should not put any there anyway. */
    static String safeMessage(Throwable e) {
        String message = e.getMessage();
        if (message == null) {
            return "";
        }
        String cleaned = SECRET_ASSIGNMENT.matcher(message).replaceAll("$1$2***");
        cleaned = BEARER.matcher(cleaned).replaceAll("$1 ***");
        cleaned = URI_USERINFO.matcher(cleaned).replaceAll("://***@");
        cleaned = JWT.matcher(cleaned).replaceAll("***");
        return truncate(cleaned, MAX_EXCEPTION_MESSAGE);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    // ---------------------------------------------------------------- recovery

    /** The consume connection was lost: nothing consumes until it is back. */
    void connectionLost(String cause) {
        for (Slot slot : slots) {
            slot.consuming = false;
        }
        interrupted(cause);
    }

    /**
     * The client recovered the connection and, with it, the consumers it had recorded. Their consume-ok callbacks
     * are dispatched asynchronously, so look a moment later and consume again on every channel still idle.
     */
    void connectionRecovered() {
        long delay = Math.min(1000, config.resubscribeBackoff().toMillis());
        schedule(this::verifyConsuming, delay);
    }

    private void verifyConsuming() {
        if (closed || draining) {
            return;
        }
        for (Slot slot : slots) {
            Channel channel = slot.channel;
            if (!slot.consuming || channel == null || !channel.isOpen()) {
                LOG.warn("consumer {} of '{}' did not come back with the connection; consuming again", slot.index, queue);
                resubscribe(slot);
            }
        }
        resumedIfAllConsuming();
    }

    private void resubscribe(Slot slot) {
        synchronized (lifecycle) {
            if (closed || draining) {
                return;
            }
            Channel old = slot.channel;
            if (slot.consuming && old != null && old.isOpen()) {
                return;
            }
            slot.consuming = false;
            if (old != null) {
                closeQuietly(old); // its unacked messages go back to the queue, its recorded consumer is dropped
            }
            try {
                subscribe(slot);
                resubscribed.incrementAndGet();
                LOG.info("consumer {} of '{}' consumes again", slot.index, queue);
            } catch (IOException | RuntimeException e) {
                LOG.warn("consumer {} of '{}' could not consume again ({}); retrying in {}", slot.index, queue,
                        MessagingException.describe(TopologyDeclarer.rootOf(e)), config.resubscribeBackoff());
                schedule(() -> resubscribe(slot), config.resubscribeBackoff().toMillis());
                return;
            }
        }
        resumedIfAllConsuming();
    }

    /**
     * Make-before-break onto {@code fresh} (credential rotation): every channel gets a new consumer on the new
     * connection first, then the old consumer is cancelled; what it had received still runs and is acked on the old
     * channel, which closes once its cancel-ok has come through (the client dispatches it after those deliveries).
     * The returned future completes when every old channel is closed, at the latest after the drain timeout; a
     * message still unacked then goes back to the queue and is recognised by a deduplicator.
     */
    CompletableFuture<Void> moveTo(Connection fresh) {
        List<Runnable> retirements = new ArrayList<>();
        List<CompletableFuture<Void>> retired = new ArrayList<>();
        synchronized (lifecycle) {
            if (closed || draining) {
                return CompletableFuture.completedFuture(null);
            }
            connection = fresh;
            for (Slot slot : slots) {
                RabbitSubscription<?>.SlotConsumer previous = slot.consumer;
                String previousTag = slot.tag;
                try {
                    subscribe(slot);
                } catch (IOException | RuntimeException e) {
                    slot.consuming = false;
                    LOG.warn("consumer {} of '{}' could not consume on the new connection ({}); retrying in {}",
                            slot.index, queue, MessagingException.describe(TopologyDeclarer.rootOf(e)),
                            config.resubscribeBackoff());
                    schedule(() -> resubscribe(slot), config.resubscribeBackoff().toMillis());
                }
                if (previous != null) {
                    retirements.add(() -> retired.add(previous.retire(previousTag)));
                }
            }
        }
        retirements.forEach(Runnable::run); // outside the lock: cancelling waits for the broker
        return CompletableFuture.allOf(retired.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void schedule(Runnable task, long delayMillis) {
        schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void schedule(Runnable task, long delay, TimeUnit unit) {
        try {
            scheduler.schedule(task, delay, unit);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("not scheduling a check of '{}': shutting down", queue);
        }
    }

    private void interrupted(String cause) {
        if (closed || draining) {
            return;
        }
        synchronized (lifecycle) {
            if (interruptedSince == null) {
                interruptedSince = Instant.now();
                interruptionCause = cause;
                interruptions.incrementAndGet();
                LOG.warn("subscription to '{}' stopped consuming: {}", queue, cause);
            }
        }
    }

    private void resumedIfAllConsuming() {
        if (interruptedSince == null) {
            return;
        }
        for (Slot slot : slots) {
            if (!slot.consuming) {
                return;
            }
        }
        synchronized (lifecycle) {
            Instant since = interruptedSince;
            if (since != null) {
                lastInterruptionStart = since;
                lastInterruptionEnd = Instant.now();
                interruptedSince = null;
                LOG.info("subscription to '{}' consumes again after {} ms", queue,
                        Duration.between(since, lastInterruptionEnd).toMillis());
            }
        }
    }

    // ---------------------------------------------------------------- state, health, close

    @Override
    public String queue() {
        return queue;
    }

    @Override
    public boolean consuming() {
        return !closed && consumingChannels() == slots.length;
    }

    private int consumingChannels() {
        int n = 0;
        for (Slot slot : slots) {
            Channel channel = slot.channel;
            if (slot.consuming && channel != null && channel.isOpen()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public Stats stats() {
        return new Stats(slots.length, closed ? 0 : consumingChannels(), inFlight.get(), consumed.sum(), acked.sum(),
                retried.sum(), deadLettered.sum(), duplicates.sum(), requeued.sum(), handlerFailures.sum(),
                interruptions.get(), resubscribed.get());
    }

    @Override
    public LossDetector lossDetector() {
        return loss;
    }

    @Override
    public HealthCheck healthCheck() {
        return () -> {
            Stats s = stats();
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("queue", queue);
            facts.put("channels", s.channels());
            facts.put("consumingChannels", s.consumingChannels());
            facts.put("inFlight", s.inFlight());
            facts.put("consumed", s.consumed());
            facts.put("acked", s.acked());
            facts.put("retried", s.retried());
            facts.put("deadLettered", s.deadLettered());
            facts.put("duplicatesSkipped", s.duplicatesSkipped());
            facts.put("interruptions", s.interruptions());
            Instant since = interruptedSince;
            Instant lastStart = lastInterruptionStart;
            Instant lastEnd = lastInterruptionEnd;
            if (lastStart != null && lastEnd != null) {
                facts.put("lastInterruption", lastStart + " to " + lastEnd + " ("
                        + Duration.between(lastStart, lastEnd).toMillis() + " ms)");
            }
            Health lossHealth = loss.healthCheck().check();
            facts.put("lossMissing", lossHealth.facts().get("missing"));
            facts.put("lossDuplicates", lossHealth.facts().get("duplicates"));
            if (closed) {
                return new Health(HealthStatus.DOWN, "subscription to '" + queue + "' is closed", facts);
            }
            if (since != null) {
                facts.put("interruptedSince", since.toString());
            }
            if (s.consumingChannels() == 0) {
                return new Health(HealthStatus.DOWN, "not consuming from '" + queue + "'"
                        + (since == null ? "" : " since " + since + " (" + interruptionCause + ")"), facts);
            }
            if (s.consumingChannels() < s.channels()) {
                return new Health(HealthStatus.DEGRADED, s.consumingChannels() + " of " + s.channels()
                        + " channels consume from '" + queue + "'", facts);
            }
            if (lossHealth.status() != HealthStatus.UP) {
                return new Health(lossHealth.status(), lossHealth.detail(), facts);
            }
            return new Health(HealthStatus.UP, "consuming from '" + queue + "'", facts);
        };
    }

    @Override
    public void close() {
        close(config.drainTimeout());
    }

    @Override
    public boolean close(Duration deadline) {
        java.util.Objects.requireNonNull(deadline, "deadline");
        synchronized (lifecycle) {
            if (closed || draining) {
                return inFlight.get() == 0;
            }
            draining = true;
        }
        for (Slot slot : slots) {
            Channel channel = slot.channel;
            String tag = slot.tag;
            if (channel != null && tag != null && channel.isOpen()) {
                try {
                    channel.basicCancel(tag); // no new deliveries; those already sent are skipped by deliver()
                } catch (IOException | AlreadyClosedException e) {
                    LOG.debug("cancelling consumer {} of '{}' failed: {}", slot.index, queue, e.toString());
                }
            }
            RabbitSubscription<?>.SlotConsumer consumer = slot.consumer;
            if (batching && consumer != null) {
                consumer.flushSoon(); // buffered messages count in flight: handle them now, not after the batch wait
            }
        }
        long end = System.nanoTime() + deadline.toNanos();
        synchronized (drainMonitor) {
            while (inFlight.get() > 0) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(drainMonitor, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        int unfinished = inFlight.get();
        closed = true;
        for (Slot slot : slots) {
            slot.consuming = false;
            Channel channel = slot.channel;
            if (channel != null) {
                closeQuietly(channel); // unacked messages go back to the queue
            }
        }
        onClose.run();
        if (unfinished > 0) {
            LOG.warn("subscription to '{}' closed with {} handler(s) still running after {}; their messages go back"
                    + " to the queue", queue, unfinished, deadline);
        } else {
            LOG.info("subscription to '{}' drained and closed", queue);
        }
        return unfinished == 0;
    }

    private static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | ShutdownSignalException e) {
            LOG.debug("channel was closing already: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "Subscription[" + queue + ", channels=" + slots.length + (closed ? ", closed" : "") + "]";
    }

    /** One consumer channel. */
    private static final class Slot {
        final int index;
        volatile Channel channel;
        volatile RabbitSubscription<?>.SlotConsumer consumer;
        volatile String tag;
        volatile boolean consuming;

        Slot(int index) {
            this.index = index;
        }
    }

    /** One delivery from its arrival until it is settled (acked, moved, returned) or found stale. */
    private final class Delivery {
        final SlotConsumer consumer;
        final Envelope envelope;
        final AMQP.BasicProperties properties;
        final byte[] body;
        final int attempt;
        /** The consumer's channel generation it arrived in: after a loss its tag means nothing to the channel. */
        final int epoch;
        InboundMessage<T> message; // set once admitted
        boolean claimed; // holds the deduplicator's claim on its id
        boolean buffered; // waits in (or went through) its consumer's batch buffer
        boolean done; // settled, or nothing more to do with it

        Delivery(SlotConsumer consumer, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            this.consumer = consumer;
            this.envelope = envelope;
            this.properties = properties;
            this.body = body;
            this.attempt = attemptOf(properties.getHeaders());
            this.epoch = consumer.epoch.get();
        }

        long tag() {
            return envelope.getDeliveryTag();
        }

        String messageId() {
            return properties.getMessageId();
        }

        /**
         * True when its channel closed since it arrived (the broker has put it back in the queue), even if the client
         * has recovered the channel meanwhile: the tag would then name another message, so never settle it there.
         */
        boolean stale() {
            return epoch != consumer.epoch.get() || !consumer.channel.isOpen();
        }
    }

    /** The consumer of one slot's channel, with its batch buffer when batching. */
    private final class SlotConsumer implements Consumer {
        private final Slot slot;
        private final Channel channel;
        private final CompletableFuture<Void> retired = new CompletableFuture<>();
        /**
         * Raised by the channel's shutdown listener, which runs as the channel closes, before the client recovers it
         * (the consumer's own shutdown callback is queued behind deliveries and may come later).
         */
        private final AtomicInteger epoch = new AtomicInteger();
        private final Object batchLock = new Object();
        private final List<Delivery> buffer = new ArrayList<>(); // guarded by batchLock
        private long batchSeq; // guarded by batchLock: which batch a batch-wait timer was set for
        private boolean admitting; // guarded by batchLock: a delivery is being admitted, outside the buffer
        private boolean skipped; // guarded by batchLock: a delivery was left unsettled because we are draining

        SlotConsumer(Slot slot, Channel channel) {
            this.slot = slot;
            this.channel = channel;
            channel.addShutdownListener(cause -> epoch.incrementAndGet());
        }

        private boolean current() {
            return slot.consumer == this;
        }

        /** Admits {@code d} into the batch, which goes to the handler once full. */
        void offer(Delivery d) {
            synchronized (batchLock) {
                if (draining) {
                    // not started: stays unacked, and closing the channel returns it to the queue
                    skipped = true;
                    return;
                }
                admitting = true;
                try {
                    if (!admit(d)) {
                        return;
                    }
                } finally {
                    admitting = false;
                }
                d.buffered = true;
                buffer.add(d);
                if (buffer.size() == 1) {
                    long seq = ++batchSeq;
                    schedule(() -> flushSoon(seq), config.batchWait().toNanos(), TimeUnit.NANOSECONDS);
                }
                if (buffer.size() >= config.batchSize()) {
                    flush();
                }
            }
        }

        /**
         * Whether a handled batch may be acked with one {@code multiple} ack up to its last tag: every delivery of
         * this channel still unsettled below that tag must be in the batch. Deliveries are admitted in tag order
         * under the lock and each is either settled at once or buffered, so the only unsettled ones outside the
         * buffer are one being admitted right now (it waits for a claim and flushed us) and ones skipped while
         * draining; with either, ack one by one.
         */
        boolean mayAckThrough() {
            synchronized (batchLock) {
                return !admitting && !skipped;
            }
        }

        /** Hands the buffered deliveries to the handler now. Holds the lock, so never two batches of one channel. */
        void flush() {
            synchronized (batchLock) {
                if (buffer.isEmpty()) {
                    return;
                }
                List<Delivery> batch = new ArrayList<>(buffer);
                buffer.clear();
                try {
                    List<Delivery> live = new ArrayList<>(batch.size());
                    for (Delivery d : batch) {
                        if (d.stale()) {
                            release(d); // its channel closed while it waited: it comes back by redelivery
                            d.done = true;
                        } else {
                            live.add(d);
                        }
                    }
                    if (!live.isEmpty()) {
                        handleGuarded(live);
                    }
                } finally {
                    finished(batch.size());
                }
            }
        }

        /** The batch-wait timer: flushes on the handlers' pool if batch {@code seq} is still waiting. */
        private void flushSoon(long seq) {
            runOnFlusher(() -> {
                synchronized (batchLock) {
                    if (seq == batchSeq) {
                        flush();
                    }
                }
            });
        }

        /** Flushes on the handlers' pool, without waiting for the batch wait (a drain). */
        void flushSoon() {
            runOnFlusher(this::flush);
        }

        private void runOnFlusher(Runnable flush) {
            try {
                flusher.execute(flush);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                flush.run(); // the pool is shutting down with the Rabbit: flush here rather than leave them waiting
            }
        }

        /** The channel is gone: what waits in the buffer is back in the queue already; count it out. */
        private void dropStale() {
            synchronized (batchLock) {
                int dropped = 0;
                for (java.util.Iterator<Delivery> it = buffer.iterator(); it.hasNext(); ) {
                    Delivery d = it.next();
                    if (d.stale()) {
                        it.remove();
                        release(d);
                        d.done = true;
                        dropped++;
                    }
                }
                if (dropped > 0) {
                    LOG.debug("dropped {} buffered message(s) of '{}' whose channel closed; they come back by"
                            + " redelivery", dropped, queue);
                    finished(dropped);
                }
            }
        }

        @Override
        public void handleConsumeOk(String consumerTag) {
            if (current() && !draining && !closed) {
                slot.consuming = true;
                resumedIfAllConsuming();
            }
        }

        @Override
        public void handleCancelOk(String consumerTag) {
            if (batching) {
                flush(); // no more deliveries come: handle the last batch before the channel closes
            }
            if (current()) {
                slot.consuming = false;
            } else {
                // a consumer replaced by moveTo: every delivery it had was handled before this callback
                retired.complete(null);
            }
        }

        /** Stops this replaced consumer; the future completes once its channel is closed. */
        CompletableFuture<Void> retire(String consumerTag) {
            try {
                channel.basicCancel(consumerTag);
            } catch (IOException | AlreadyClosedException e) {
                retired.complete(null); // the old connection is gone already: its unacked messages are back in the queue
            }
            // closed on the scheduler, never on the channel's own dispatch thread that completes the future
            return retired
                    .completeOnTimeout(null, config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .thenRunAsync(() -> closeQuietly(channel), scheduler)
                    .exceptionally(e -> {
                        closeQuietly(channel); // the scheduler is shutting down with the Rabbit
                        return null;
                    });
        }

        @Override
        public void handleCancel(String consumerTag) {
            if (batching) {
                flush(); // the channel is still open: settle the batch before it is replaced
            }
            // the broker cancelled us (the queue was deleted, or moved away): consume again when it is back
            if (current() && !draining && !closed) {
                slot.consuming = false;
                interrupted("the broker cancelled consumer " + consumerTag);
                schedule(() -> resubscribe(slot), config.resubscribeBackoff().toMillis());
            }
        }

        @Override
        public void handleShutdownSignal(String consumerTag, ShutdownSignalException sig) {
            dropStale();
            if (!current()) {
                retired.complete(null); // a replaced consumer's channel or connection closed: nothing left to wait for
                return;
            }
            if (draining || closed) {
                return;
            }
            slot.consuming = false;
            if (sig.isInitiatedByApplication()) {
                return;
            }
            if (sig.isHardError()) {
                // the connection: the client recovers it with this consumer, and tells us when it is back
                interrupted("connection lost: " + sig.getMessage());
            } else {
                // a channel error is not recovered by the client: open a new channel
                interrupted("channel closed: " + sig.getMessage());
                schedule(() -> resubscribe(slot), config.resubscribeBackoff().toMillis());
            }
        }

        @Override
        public void handleRecoverOk(String consumerTag) {
            // basic.recover: nothing to do
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                byte[] body) {
            deliver(this, envelope, properties, body);
        }
    }
}
