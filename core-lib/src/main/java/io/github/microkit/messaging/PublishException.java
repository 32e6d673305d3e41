package io.github.microkit.messaging;

import java.time.Duration;

/**
 * A publish that did not succeed: the message may not have reached its queues. What to do depends on
 * {@link #reason()}: every reason but {@link Reason#UNROUTABLE} is worth retrying with the same message id
 * (a consumer with deduplication then counts it once, even if the first attempt did land).
 */
public final class PublishException extends MessagingException {

    /** Why a publish failed. */
    public enum Reason {
        /** No queue is bound for the routing key (the broker returned the mandatory message). */
        UNROUTABLE(false),
        /** The broker refused the message (basic.nack): e.g. a full queue with {@code x-overflow: reject-publish}. */
        NACKED(true),
        /** No confirm within the confirm timeout: the message may or may not have landed. */
        CONFIRM_TIMEOUT(true),
        /** The channel or connection closed before the confirm arrived: it may or may not have landed. */
        CONNECTION_LOST(true),
        /** The in-flight window stayed full for the whole window timeout: nothing was sent. */
        WINDOW_FULL(true),
        /** The broker has blocked publishing on this connection (a memory or disk alarm): nothing was sent. */
        BROKER_BLOCKED(true),
        /** The publisher was closed. */
        CLOSED(false);

        private final boolean retryable;

        Reason(boolean retryable) {
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final Reason reason;
    private final String exchange;
    private final String routingKey;
    private final String messageId;

    private PublishException(Reason reason, String exchange, String routingKey, String messageId, String message,
            Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.exchange = exchange;
        this.routingKey = routingKey;
        this.messageId = messageId;
    }

    static PublishException unroutable(String exchange, String routingKey, String messageId, String replyText) {
        return new PublishException(Reason.UNROUTABLE, exchange, routingKey, messageId,
                "Message " + messageId + " to exchange '" + exchange + "' with routing key '" + routingKey
                        + "' is unroutable (" + replyText + "): no queue is bound for it. Declare a binding for"
                        + " this routing key, or fix the routing key.", null);
    }

    static PublishException nacked(String exchange, String routingKey, String messageId) {
        return new PublishException(Reason.NACKED, exchange, routingKey, messageId,
                "The broker refused message " + messageId + " to exchange '" + exchange + "' with routing key '"
                        + routingKey + "' (nack): a queue may be full (x-overflow reject-publish) or unavailable."
                        + " Retry later with the same message id.", null);
    }

    static PublishException confirmTimeout(String exchange, String routingKey, String messageId, Duration timeout) {
        return new PublishException(Reason.CONFIRM_TIMEOUT, exchange, routingKey, messageId,
                "No confirm for message " + messageId + " to exchange '" + exchange + "' with routing key '"
                        + routingKey + "' within " + timeout + ". It may still have landed: retry with the same"
                        + " message id and deduplicate on the consumer.", null);
    }

    static PublishException connectionLost(String exchange, String routingKey, String messageId, Throwable cause) {
        return new PublishException(Reason.CONNECTION_LOST, exchange, routingKey, messageId,
                "The connection closed before message " + messageId + " to exchange '" + exchange
                        + "' with routing key '" + routingKey + "' was confirmed (" + describe(cause)
                        + "). It may or may not have landed: retry with the same message id.", cause);
    }

    static PublishException windowFull(String exchange, String routingKey, String messageId, int window,
            Duration timeout) {
        return new PublishException(Reason.WINDOW_FULL, exchange, routingKey, messageId,
                "Message " + messageId + " to exchange '" + exchange + "' was not sent: " + window
                        + " messages stayed unconfirmed for " + timeout + " (the in-flight window is full)."
                        + " The broker is slow or away; retry later, or raise the window or its timeout.", null);
    }

    static PublishException brokerBlocked(String exchange, String routingKey, String messageId, String why,
            Duration waited) {
        return new PublishException(Reason.BROKER_BLOCKED, exchange, routingKey, messageId,
                "Message " + messageId + " to exchange '" + exchange + "' was not sent: the broker has blocked"
                        + " publishing (" + why + ") and did not unblock within " + waited + ". It raises a memory or"
                        + " disk alarm when it runs short; retry later.", null);
    }

    static PublishException closed(String exchange, String routingKey, String messageId) {
        return new PublishException(Reason.CLOSED, exchange, routingKey, messageId,
                "Message " + messageId + " to exchange '" + exchange + "' was not confirmed: the publisher is"
                        + " closed.", null);
    }

    public Reason reason() {
        return reason;
    }

    public String exchange() {
        return exchange;
    }

    public String routingKey() {
        return routingKey;
    }

    public String messageId() {
        return messageId;
    }

    /** True when trying again with the same message id is the right response. */
    public boolean retryable() {
        return reason.retryable();
    }
}
