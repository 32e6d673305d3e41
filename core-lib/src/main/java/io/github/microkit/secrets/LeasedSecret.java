package io.github.microkit.secrets;

/**
 * A dynamic secret kept valid in the background: its lease is renewed at about 2/3 of its duration and,
 * when Vault stops extending it (max TTL) or the token that obtained it is replaced, a new one is read
 * before the old one ends and the listeners are told, so the application can move its clients over
 * (make-before-break). The previous lease is left to expire rather than revoked, since a client may still be
 * draining on it; {@link #close()} revokes the current one.
 */
public interface LeasedSecret extends AutoCloseable {

    /** The Vault path, e.g. {@code rabbitmq/creds/producer}. */
    String path();

    /** The lease in force now. */
    Lease current();

    /**
     * Calls {@code listener} after each replacement with the previous and the new lease, on the client's
     * background thread. A listener that throws is logged (type only) and does not stop the others.
     *
     * @return a handle whose {@code close()} removes the listener
     */
    AutoCloseable onRotation(RotationListener listener);

    /** Stops renewing and revokes the current lease (the broker user it names is deleted). */
    @Override
    void close();

    /** Told when a dynamic secret was replaced. */
    @FunctionalInterface
    interface RotationListener {
        void rotated(Lease previous, Lease next) throws Exception;
    }
}
