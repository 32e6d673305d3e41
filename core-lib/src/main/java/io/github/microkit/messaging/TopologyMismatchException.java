package io.github.microkit.messaging;

import java.util.List;

/** The live broker's topology differs from the declared one; {@link #mismatches()} lists every difference. */
public final class TopologyMismatchException extends MessagingException {

    private final List<String> mismatches;

    TopologyMismatchException(List<String> mismatches) {
        super("The broker's topology does not match the declared one (" + mismatches.size() + "): "
                + String.join("; ", mismatches));
        this.mismatches = List.copyOf(mismatches);
    }

    /** One sentence per difference, naming the queue or exchange and what differs. */
    public List<String> mismatches() {
        return mismatches;
    }
}
