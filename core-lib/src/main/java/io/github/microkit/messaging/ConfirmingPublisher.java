package io.github.microkit.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A publisher on a few channels in confirm mode ({@link PublisherConfig#channels()}), each thread tied to one of
 * them, all sharing one window.
 *
 * <p>Each message is recorded under its channel's publish sequence number before it is sent, and settled
 * by the broker's ack or nack for that number on that channel. Three things keep a future from hanging: a
 * channel shutdown fails everything outstanding on it at once; after the client recovers a connection the
 * channel's sequence restarts and the old confirms never come, so recovery fails (again) whatever was recorded
 * since; and a sweeper fails whatever has passed its confirm deadline.
 */
final class ConfirmingPublisher implements Publisher {

    private static final Logger LOG = LoggerFactory.getLogger(ConfirmingPublisher.class);

    private final ExchangeRegistry exchanges;
    private final PublisherConfig config;
    private final String publisherId;
    private final String appId;
    private final Semaphore window;
    private final AtomicLong publisherSeq = new AtomicLong();
    /** Every slot that may still hold unsettled messages: the current ones and those draining after a move. */
    private final Set<Slot> live = ConcurrentHashMap.newKeySet();
    /** Publisher sequence numbers the broker returned as unroutable; the ack that follows settles them. */
    private final Map<Long, String> returned = new ConcurrentHashMap<>();
    /** Forwarded messages the broker returned, by exchange, routing key and message id. */
    private final Map<String, String> returnedForwards = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;
    /** Guards replacing slots; taken after a slot's own lock, never before it. */
    private final Object publishLock = new Object();

    private volatile Connection connection;
    private volatile ConnectionState connectionState;
    private volatile Slot[] slots; // replaced (never changed in place) under publishLock
    private volatile boolean closed;

    ConfirmingPublisher(Connection connection, ExchangeRegistry exchanges, ConnectionState connectionState,
            PublisherConfig config, String defaultAppId) {
        this.connection = connection;
        this.exchanges = exchanges;
        this.connectionState = connectionState;
        this.config = config;
        this.appId = config.appId().orElse(defaultAppId);
        this.publisherId = config.publisherId().orElseGet(() -> PublisherConfig.newPublisherId(appId));
        this.window = new Semaphore(config.window());
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "microkit-publisher-sweeper-" + publisherId);
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(10, Math.min(100, config.confirmTimeout().toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
        synchronized (publishLock) {
            this.slots = openSlots(connection);
        }
    }

    @Override
    public CompletableFuture<PublishConfirm> publish(OutboundMessage message) {
        java.util.Objects.requireNonNull(message, "message");
        String exchange = message.exchange();
        String routingKey = message.routingKey();
        if (closed) {
            throw PublishException.closed(exchange, routingKey, message.messageId());
        }
        exchanges.typeOf(exchange).ifPresent(type -> {
            if (type.routesByKey() && routingKey.isBlank()) {
                throw new InvalidMessageException("The routing key is blank, but " + type.amqpName() + " exchange '"
                        + exchange + "' routes by key: no queue would get message " + message.messageId()
                        + ". Give the routing key its binding expects.");
            }
        });
        byte[] body = encode(message);
        if (body.length > config.maxMessageSize()) {
            throw new InvalidMessageException("Message " + message.messageId() + " to exchange '" + exchange + "' is "
                    + body.length + " bytes, over the limit of " + config.maxMessageSize() + " bytes. The broker would"
                    + " close the channel on it; send a reference to the data instead (or raise maxMessageSize"
                    + " together with the broker's max_message_size).");
        }
        try {
            if (!exchanges.exists(connection, exchange)) {
                throw new InvalidMessageException("Exchange '" + exchange + "' does not exist on the broker, so message "
                        + message.messageId() + " was not sent. Declare it (Rabbit.declare(topology)) or fix the name.");
            }
        } catch (IOException | AlreadyClosedException e) {
            return CompletableFuture.failedFuture(
                    PublishException.connectionLost(exchange, routingKey, message.messageId(), e));
        }
        awaitUnblocked(exchange, routingKey, message.messageId());
        acquireWindow(exchange, routingKey, message.messageId());

        long seq = publisherSeq.incrementAndGet();
        Pending pending = new Pending(message.messageId(), exchange, routingKey, seq,
                System.nanoTime() + config.confirmTimeout().toNanos(), null);
        return send(pending, message.mandatory(), properties(message, seq), body);
    }

    /**
     * Publishes a message that was consumed, with its properties and headers as they are (a consumer's delayed
     * retry or dead-letter keeps the original publisher's id and sequence number), always mandatory so that a
     * missing destination fails the future instead of dropping the message. Failures complete the future; this
     * never throws for the broker's sake.
     */
    CompletableFuture<PublishConfirm> forward(String exchange, String routingKey, AMQP.BasicProperties properties,
            byte[] body) {
        String messageId = properties.getMessageId();
        if (closed) {
            return CompletableFuture.failedFuture(PublishException.closed(exchange, routingKey, messageId));
        }
        try {
            if (!exchanges.exists(connection, exchange)) {
                return CompletableFuture.failedFuture(PublishException.unroutable(exchange, routingKey, messageId,
                        "404 exchange not found"));
            }
            awaitUnblocked(exchange, routingKey, messageId);
            acquireWindow(exchange, routingKey, messageId);
        } catch (IOException | AlreadyClosedException e) {
            return CompletableFuture.failedFuture(PublishException.connectionLost(exchange, routingKey, messageId, e));
        } catch (PublishException e) {
            return CompletableFuture.failedFuture(e);
        }
        Pending pending = new Pending(messageId, exchange, routingKey, -1,
                System.nanoTime() + config.confirmTimeout().toNanos(), forwardKey(exchange, routingKey, messageId));
        return send(pending, true, properties, body);
    }

    private CompletableFuture<PublishConfirm> send(Pending pending, boolean mandatory, AMQP.BasicProperties properties,
            byte[] body) {
        String exchange = pending.exchange;
        String routingKey = pending.routingKey;
        Slot target = null;
        try {
            while (true) {
                target = slotOfThisThread();
                // one lock per channel: the sequence number read and the publish must not interleave with another
                // caller on the same channel, but callers on other channels go ahead
                synchronized (target) {
                    if (target.retired) {
                        continue; // replaced or moved to a new connection meanwhile: take the current one
                    }
                    if (!target.channel.isOpen() && replaceClosedChannel(target)) {
                        continue;
                    }
                    ConcurrentNavigableMap<Long, Pending> map = target.outstanding;
                    pending.channelSeq = target.channel.getNextPublishSeqNo();
                    map.put(pending.channelSeq, pending);
                    target.channel.basicPublish(exchange, routingKey, mandatory, properties, body);
                    if (target.outstanding != map) {
                        // the channel failed its outstanding messages while we sent: whether that pass saw this
                        // one or not, its confirm will not come, so settle it here (settling twice is a no-op)
                        failAndRelease(pending, PublishException.connectionLost(exchange, routingKey,
                                pending.messageId, new IOException("the channel was lost while publishing")));
                    }
                    break;
                }
            }
        } catch (IOException | AlreadyClosedException | MessagingException e) {
            // MessagingException: a replacement channel could not be opened
            if (target != null) {
                target.outstanding.remove(pending.channelSeq, pending);
            }
            failAndRelease(pending, PublishException.connectionLost(exchange, routingKey, pending.messageId, e));
        }
        return pending.future;
    }

    /** The slot of the calling thread: always the same one, so one thread's messages stay in order. */
    private Slot slotOfThisThread() {
        Slot[] current = slots;
        return current.length == 1 ? current[0]
                : current[(int) Math.floorMod(Thread.currentThread().getId(), (long) current.length)];
    }

    @Override
    public PublishConfirm publishAndWait(OutboundMessage message) {
        CompletableFuture<PublishConfirm> future = publish(message);
        try {
            // the sweeper fails the future at its confirm deadline; the extra second only covers its period
            return future.get(config.confirmTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (TimeoutException e) {
            throw PublishException.confirmTimeout(message.exchange(), message.routingKey(), message.messageId(),
                    config.confirmTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PublishException.closed(message.exchange(), message.routingKey(), message.messageId());
        }
    }

    @Override
    public int inFlight() {
        return config.window() - window.availablePermits();
    }

    @Override
    public String publisherId() {
        return publisherId;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + config.confirmTimeout().toNanos();
        // the sweeper settles timeouts while we wait; anything still open at the deadline fails as CLOSED
        try {
            if (window.tryAcquire(config.window(), Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                window.release(config.window());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Slot s : live) {
            for (Pending p : s.outstanding.values()) {
                s.outstanding.remove(p.channelSeq, p);
                failAndRelease(p, PublishException.closed(p.exchange, p.routingKey, p.messageId));
            }
        }
        sweeper.shutdownNow();
        synchronized (publishLock) {
            for (Slot s : live) {
                s.close();
            }
        }
    }

    /**
     * Moves publishing to {@code fresh} (make-before-break): new messages go to channels there at once,
     * while the old channels keep receiving the confirms of what they already sent. The returned future
     * completes when the old channels have nothing left in flight (or at the confirm timeout, when whatever is
     * left fails), and then they are closed.
     */
    CompletableFuture<Void> moveTo(Connection fresh, ConnectionState freshState) {
        Slot[] old;
        synchronized (publishLock) {
            if (closed) {
                return CompletableFuture.completedFuture(null);
            }
            old = slots;
            slots = openSlots(fresh);
            connection = fresh;
            connectionState = freshState;
        }
        for (Slot s : old) {
            // a caller that picked it before the move picks again; one already sending on it (we do not wait for
            // its lock: a blocked connection can hold a send for long) is settled by the drain below
            s.retired = true;
        }
        CompletableFuture<Void> drained = new CompletableFuture<>();
        long deadline = System.nanoTime() + config.confirmTimeout().toNanos();
        Runnable check = new Runnable() {
            @Override
            public void run() {
                boolean empty = true;
                for (Slot s : old) {
                    empty &= s.outstanding.isEmpty();
                }
                if (empty || System.nanoTime() - deadline >= 0) {
                    for (Slot s : old) {
                        s.failOutstanding(new IOException("publishing moved to a new connection"));
                        s.close();
                    }
                    drained.complete(null);
                } else if (!sweeper.isShutdown()) {
                    sweeper.schedule(this, 20, TimeUnit.MILLISECONDS);
                } else {
                    drained.complete(null);
                }
            }
        };
        check.run();
        return drained;
    }

    private Slot[] openSlots(Connection on) {
        Slot[] opened = new Slot[config.channels()];
        try {
            for (int i = 0; i < opened.length; i++) {
                opened[i] = openSlot(on);
            }
        } catch (MessagingException e) {
            for (Slot s : opened) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
        return opened;
    }

    private Slot openSlot(Connection on) {
        try {
            Channel ch = on.createChannel();
            ch.confirmSelect();
            Slot created = new Slot(ch);
            live.add(created);
            ch.addConfirmListener(created::handleAck, created::handleNack);
            ch.addReturnListener(this::handleReturn);
            ch.addShutdownListener(cause -> handleShutdown(created, cause));
            if (ch instanceof Recoverable) {
                ((Recoverable) ch).addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable recoverable) {
                        created.failOutstanding(new IOException("connection recovered; the channel's confirms restarted"));
                    }

                    @Override
                    public void handleRecoveryStarted(Recoverable recoverable) {
                        // nothing to do until the channel is back
                    }
                });
            }
            return created;
        } catch (IOException | AlreadyClosedException e) {
            throw new MessagingException("Could not open a publishing channel: " + MessagingException.describe(e), e);
        }
    }

    /**
     * Called holding {@code closedSlot}'s lock when its channel is closed: a channel the broker closed for an error
     * of its own (not the connection's) is replaced. Returns true when the caller should pick its slot again.
     */
    private boolean replaceClosedChannel(Slot closedSlot) {
        if (!connection.isOpen()) {
            return false;
        }
        ShutdownSignalException reason = closedSlot.channel.getCloseReason();
        if (reason == null || reason.isHardError()) {
            return false;
        }
        synchronized (publishLock) {
            Slot[] current = slots;
            for (int i = 0; i < current.length; i++) {
                if (current[i] == closedSlot) {
                    LOG.info("publisher {} replaces a channel closed by the broker: {}", publisherId, reason.getMessage());
                    Slot[] next = current.clone();
                    next[i] = openSlot(connection);
                    slots = next;
                    closedSlot.retired = true;
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Completes the future of an acked message that this thread {@linkplain Pending#finish() finished}: it fails if
     * the broker returned the message, else it completes. The caller has given its window place back already.
     */
    private void completeAck(Pending p) {
        String replyText;
        if (p.forwardKey != null) {
            replyText = returnedForwards.isEmpty() ? null : returnedForwards.remove(p.forwardKey);
        } else {
            replyText = returned.isEmpty() ? null : returned.remove(p.publisherSeq);
        }
        if (replyText != null) {
            p.future.completeExceptionally(PublishException.unroutable(p.exchange, p.routingKey, p.messageId, replyText));
        } else {
            p.future.complete(new PublishConfirm(p.messageId, p.exchange, p.routingKey, p.publisherSeq));
        }
    }

    private void handleReturn(Return ret) {
        Map<String, Object> headers = ret.getProperties().getHeaders();
        Object seq = headers == null ? null : headers.get(MessageHeaders.PUBLISHER_SEQ);
        Object id = headers == null ? null : headers.get(MessageHeaders.PUBLISHER_ID);
        String replyText = ret.getReplyCode() + " " + ret.getReplyText();
        if (seq instanceof Number && id != null && publisherId.equals(id.toString())) {
            returned.put(((Number) seq).longValue(), replyText);
        } else {
            // a forwarded message carries another publisher's sequence number: match it by where it went
            returnedForwards.put(forwardKey(ret.getExchange(), ret.getRoutingKey(),
                    ret.getProperties().getMessageId()), replyText);
        }
    }

    private static String forwardKey(String exchange, String routingKey, String messageId) {
        return exchange + '\u0000' + routingKey + '\u0000' + messageId;
    }

    private void handleShutdown(Slot closedSlot, ShutdownSignalException cause) {
        if (!cause.isInitiatedByApplication()) {
            LOG.warn("publisher {} lost its channel ({}); failing {} unconfirmed messages", publisherId,
                    cause.getMessage(), closedSlot.outstanding.size());
        }
        if (!cause.isHardError()) {
            exchanges.forgetExistence();
        }
        closedSlot.failOutstanding(cause);
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Slot s : live) {
            if (s.retired && !s.channel.isOpen() && s.outstanding.isEmpty()) {
                live.remove(s); // a channel the broker closed, already replaced and settled
                continue;
            }
            // at most a window's worth of entries in all: a full scan every period costs next to nothing
            for (Pending p : s.outstanding.values()) {
                if (now - p.deadline >= 0 && s.outstanding.remove(p.channelSeq, p) && p.finish()) {
                    window.release();
                    p.future.completeExceptionally(
                            PublishException.confirmTimeout(p.exchange, p.routingKey, p.messageId, config.confirmTimeout()));
                }
            }
        }
    }

    /** Fails one message and gives its place in the window back, unless it was settled already. */
    private void failAndRelease(Pending p, PublishException e) {
        if (p.finish()) {
            window.release();
            p.future.completeExceptionally(e);
        }
    }

    private void awaitUnblocked(String exchange, String routingKey, String messageId) {
        if (!connectionState.blocked()) {
            return;
        }
        Duration wait = config.windowTimeout();
        if (!connectionState.awaitUnblocked(wait)) {
            throw PublishException.brokerBlocked(exchange, routingKey, messageId, connectionState.blockedReason(), wait);
        }
    }

    private void acquireWindow(String exchange, String routingKey, String messageId) {
        boolean acquired;
        try {
            acquired = window.tryAcquire(config.windowTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw PublishException.windowFull(exchange, routingKey, messageId, config.window(), config.windowTimeout());
        }
        if (closed) {
            window.release();
            throw PublishException.closed(exchange, routingKey, messageId);
        }
    }

    private byte[] encode(OutboundMessage message) {
        byte[] raw = message.rawBody();
        if (raw != null) {
            return raw;
        }
        Object payload = message.payload().orElseThrow();
        try {
            return config.objectMapper().writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException("The payload of message " + message.messageId() + " (a "
                    + payload.getClass().getName() + ") cannot be encoded as JSON: " + e.getOriginalMessage()
                    + ". Make it a record or a bean with getters, or register a serializer on the ObjectMapper.", e);
        }
    }

    private AMQP.BasicProperties properties(OutboundMessage message, long seq) {
        TraceContext trace = message.trace()
                .orElseGet(() -> CurrentTrace.get().map(TraceContext::newChild).orElseGet(TraceContext::newRoot));
        Map<String, Object> headers = new HashMap<>(message.headers().size() + 6);
        headers.putAll(message.headers());
        headers.put(MessageHeaders.TRACEPARENT, trace.traceparent());
        trace.traceState().ifPresent(state -> headers.put(MessageHeaders.TRACESTATE, state));
        headers.put(MessageHeaders.PUBLISHER_ID, publisherId);
        headers.put(MessageHeaders.PUBLISHER_SEQ, seq);
        headers.put(MessageHeaders.ATTEMPT, 1);
        return new AMQP.BasicProperties.Builder()
                .messageId(message.messageId())
                .correlationId(message.correlationId())
                .timestamp(message.timestamp().map(Date::from).orElseGet(Date::new))
                .contentType(message.contentType())
                .type(message.type().orElse(null))
                .deliveryMode(2)
                .appId(message.appId().orElse(appId))
                .headers(headers)
                .build();
    }

    private static PublishException unwrap(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof PublishException) {
            return (PublishException) cause;
        }
        throw new MessagingException("publish failed: " + MessagingException.describe(cause), cause);
    }

    @Override
    public String toString() {
        return "Publisher[" + publisherId + ", inFlight=" + inFlight() + "]";
    }

    /**
     * A channel with the messages it has sent and not yet settled. Confirms carry the channel's own sequence
     * numbers, so each channel settles only its own messages: after a recovery (the sequence restarts) or a
     * move to another connection, a new map starts and the old one is failed or drained.
     */
    private final class Slot {
        final Channel channel;
        volatile ConcurrentNavigableMap<Long, Pending> outstanding = new ConcurrentSkipListMap<>();
        /** Set when the slot was replaced or moved: callers pick their slot again. */
        volatile boolean retired;

        Slot(Channel channel) {
            this.channel = channel;
        }

        // An ack finishes every message it covers, gives their window places back in one release (a release per
        // message would wake a waiting publisher for each one while this thread still settles), and only then
        // completes the futures: whoever sees a future complete finds its place in the window free already.
        void handleAck(long channelSeq, boolean multiple) {
            ConcurrentNavigableMap<Long, Pending> map = outstanding;
            if (!multiple) {
                Pending p = map.remove(channelSeq);
                if (p != null && p.finish()) {
                    window.release();
                    completeAck(p);
                }
                return;
            }
            List<Pending> finished = new ArrayList<>();
            for (Iterator<Pending> it = map.headMap(channelSeq, true).values().iterator(); it.hasNext();) {
                Pending p = it.next();
                it.remove();
                if (p.finish()) {
                    finished.add(p);
                }
            }
            if (!finished.isEmpty()) {
                window.release(finished.size());
                finished.forEach(ConfirmingPublisher.this::completeAck);
            }
        }

        void handleNack(long channelSeq, boolean multiple) {
            ConcurrentNavigableMap<Long, Pending> map = outstanding;
            if (multiple) {
                ConcurrentNavigableMap<Long, Pending> head = map.headMap(channelSeq, true);
                failAll(head.values().iterator(), null);
            } else {
                Pending p = map.remove(channelSeq);
                if (p != null) {
                    failAndRelease(p, PublishException.nacked(p.exchange, p.routingKey, p.messageId));
                }
            }
        }

        void failOutstanding(Exception cause) {
            ConcurrentNavigableMap<Long, Pending> old = outstanding;
            outstanding = new ConcurrentSkipListMap<>();
            failAll(old.values().iterator(), cause);
        }

        /** Fails and removes what {@code it} yields: as nacked when {@code cause} is null, else as lost. */
        private void failAll(Iterator<Pending> it, Exception cause) {
            List<Pending> finished = new ArrayList<>();
            while (it.hasNext()) {
                Pending p = it.next();
                it.remove();
                if (cause != null) {
                    if (p.forwardKey != null) {
                        returnedForwards.remove(p.forwardKey);
                    } else {
                        returned.remove(p.publisherSeq);
                    }
                }
                if (p.finish()) {
                    finished.add(p);
                }
            }
            if (finished.isEmpty()) {
                return;
            }
            window.release(finished.size()); // before the futures complete, as for acks
            for (Pending p : finished) {
                p.future.completeExceptionally(cause == null
                        ? PublishException.nacked(p.exchange, p.routingKey, p.messageId)
                        : PublishException.connectionLost(p.exchange, p.routingKey, p.messageId, cause));
            }
        }

        void close() {
            live.remove(this);
            try {
                if (channel.isOpen()) {
                    channel.close();
                }
            } catch (IOException | TimeoutException | AlreadyClosedException e) {
                LOG.debug("publisher {} channel was already closing: {}", publisherId, e.toString());
            }
        }
    }

    /** One message between send and settlement. */
    private static final class Pending {
        private static final AtomicIntegerFieldUpdater<Pending> FINISHED =
                AtomicIntegerFieldUpdater.newUpdater(Pending.class, "finished");

        final String messageId;
        final String exchange;
        final String routingKey;
        final long publisherSeq;
        final long deadline;
        /** Set for a forwarded message (its returns are matched by destination and id), null otherwise. */
        final String forwardKey;
        final CompletableFuture<PublishConfirm> future = new CompletableFuture<>();
        volatile long channelSeq;
        volatile int finished;

        Pending(String messageId, String exchange, String routingKey, long publisherSeq, long deadline,
                String forwardKey) {
            this.messageId = messageId;
            this.exchange = exchange;
            this.routingKey = routingKey;
            this.publisherSeq = publisherSeq;
            this.deadline = deadline;
            this.forwardKey = forwardKey;
        }

        /** True for the one caller that settles this message; settling happens once whatever races. */
        boolean finish() {
            return FINISHED.compareAndSet(this, 0, 1);
        }

        boolean isFinished() {
            return finished == 1;
        }
    }
}
