package io.github.microkit.outbox;

import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.PublishConfirm;
import io.github.microkit.messaging.Publisher;
import java.util.concurrent.CompletableFuture;

/**
 * A real publisher whose caller never hears back: messages reach the broker, but the futures handed out never
 * complete, as for a process frozen (then killed) between publishing and recording the confirm. Not a mock: every
 * message really goes to the broker through microkit's publisher.
 */
final class FreezingPublisher implements Publisher {

    private final Publisher delegate;

    FreezingPublisher(Publisher delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableFuture<PublishConfirm> publish(OutboundMessage message) {
        delegate.publish(message);
        return new CompletableFuture<>();
    }

    @Override
    public PublishConfirm publishAndWait(OutboundMessage message) {
        throw new UnsupportedOperationException("frozen");
    }

    @Override
    public int inFlight() {
        return delegate.inFlight();
    }

    @Override
    public String publisherId() {
        return delegate.publisherId();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
