package io.github.microkit.messaging;

import java.util.concurrent.CompletableFuture;

/**
 * Publishes messages with publisher confirms. Get one from {@link Rabbit#publisher(PublisherConfig)}.
 *
 * <p>Every publish ends, promptly, in exactly one of two ways: its future completes with a
 * {@link PublishConfirm} once the broker has the message, or fails with a {@link PublishException} whose
 * {@linkplain PublishException#reason() reason} says what happened (unroutable, nacked, confirm timeout,
 * connection lost). A future never hangs: a lost connection fails everything in flight at once, and the
 * confirm timeout bounds the rest.
 *
 * <p>Mistakes in the message itself (an unknown exchange's blank routing key, a payload Jackson cannot
 * encode, a body over the size limit) throw {@link InvalidMessageException} from {@code publish} before
 * anything is sent. When the in-flight window is full, {@code publish} waits up to the window timeout and
 * then throws {@link PublishException} with reason {@code WINDOW_FULL}: that is the back-pressure.
 *
 * <p>Safe to use from many threads.
 */
public interface Publisher extends AutoCloseable {

    /** Sends {@code message}; the future completes when the broker confirms it, or fails. */
    CompletableFuture<PublishConfirm> publish(OutboundMessage message);

    /**
     * Sends {@code message} and waits for the confirm.
     *
     * @throws PublishException when the publish did not succeed
     */
    PublishConfirm publishAndWait(OutboundMessage message);

    /** Messages sent and not yet confirmed or failed. */
    int inFlight();

    /** The {@code x-publisher-id} this publisher stamps on its messages. */
    String publisherId();

    /**
     * Stops accepting messages, waits up to the confirm timeout for those in flight, fails the rest with
     * reason {@code CLOSED}, and closes the channel.
     */
    @Override
    void close();
}
