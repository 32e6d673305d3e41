package io.github.microkit.outbox;

/** Reports nothing. */
final class NoopOutboxMetrics implements OutboxMetrics {

    static final NoopOutboxMetrics INSTANCE = new NoopOutboxMetrics();

    private NoopOutboxMetrics() {
    }

    @Override
    public String toString() {
        return "OutboxMetrics.noop()";
    }
}
