package io.github.microkit.messaging;

/** The default metrics: count nothing. */
enum NoopMessagingMetrics implements MessagingMetrics, MessagingMetrics.PublisherMetrics,
        MessagingMetrics.ConsumerMetrics {
    INSTANCE;

    @Override
    public void published() {
    }

    @Override
    public void confirmed(long latencyNanos) {
    }

    @Override
    public void failed(PublishException.Reason reason) {
    }

    @Override
    public void consumed() {
    }

    @Override
    public void acked() {
    }

    @Override
    public void retried() {
    }

    @Override
    public void deadLettered() {
    }

    @Override
    public void duplicateSkipped() {
    }

    @Override
    public void handled(long nanos, boolean succeeded) {
    }
}
