package io.github.microkit.messaging;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Counts a publisher's publishes, confirms and failures (with confirm latency) into {@link MessagingMetrics}. */
final class MeteredPublisher implements Publisher {

    private final Publisher delegate;
    private final MessagingMetrics.PublisherMetrics metrics;

    MeteredPublisher(Publisher delegate, MessagingMetrics.PublisherMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<PublishConfirm> publish(OutboundMessage message) {
        long started = System.nanoTime();
        CompletableFuture<PublishConfirm> future;
        try {
            future = delegate.publish(message);
        } catch (PublishException e) {
            metrics.failed(e.reason());
            throw e;
        }
        metrics.published();
        return future.whenComplete((confirm, error) -> {
            if (error == null) {
                metrics.confirmed(System.nanoTime() - started);
            } else {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof PublishException) {
                    metrics.failed(((PublishException) cause).reason());
                }
            }
        });
    }

    @Override
    public PublishConfirm publishAndWait(OutboundMessage message) {
        long started = System.nanoTime();
        try {
            PublishConfirm confirm = delegate.publishAndWait(message);
            metrics.published();
            metrics.confirmed(System.nanoTime() - started);
            return confirm;
        } catch (PublishException e) {
            metrics.failed(e.reason());
            throw e;
        }
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

    @Override
    public String toString() {
        return delegate.toString();
    }
}
