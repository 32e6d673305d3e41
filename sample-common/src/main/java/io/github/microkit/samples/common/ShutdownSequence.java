package io.github.microkit.samples.common;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * What a service opened, closed at its stop in the reverse order, last opened first: what uses the database
 * closes before the pool, the broker connection before the Vault session that gave it its user. A close that
 * fails is logged and the others still close.
 */
public final class ShutdownSequence {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownSequence.class);

    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    /** Registers {@code resource} to be closed by {@link #closeAll()}; returns it, to be used inline. */
    public <T extends AutoCloseable> T closeLater(T resource) {
        toClose.push(Objects.requireNonNull(resource, "resource"));
        return resource;
    }

    /** Closes everything registered, last registered first; each at most once. */
    public void closeAll() {
        while (!toClose.isEmpty()) {
            AutoCloseable resource = toClose.pop();
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
