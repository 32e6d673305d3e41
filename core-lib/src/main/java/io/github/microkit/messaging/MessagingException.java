package io.github.microkit.messaging;

import io.github.microkit.MicrokitException;

/**
 * Something went wrong talking to RabbitMQ. Subclasses say what: {@link PublishException} for a message
 * whose publish did not succeed, {@link InvalidMessageException} for a message rejected before it was sent,
 * {@link TopologyMismatchException} for a broker whose topology is not the declared one.
 */
public class MessagingException extends MicrokitException {

    MessagingException(String message) {
        super(message);
    }

    MessagingException(String message, Throwable cause) {
        super(message, cause);
    }

    static MessagingException connectFailed(String target, int attempts, Throwable cause) {
        return new MessagingException("Could not connect to RabbitMQ at " + target + " after " + attempts
                + (attempts == 1 ? " attempt" : " attempts") + " (last error: " + describe(cause)
                + "). Check that the broker runs and that host, port, virtual host and credentials are right"
                + " (RABBITMQ_URI, RABBITMQ_USERNAME, RABBITMQ_PASSWORD).", cause);
    }

    static MessagingException declareFailed(String what, Throwable cause) {
        return new MessagingException("Could not declare " + what + ": " + describe(cause), cause);
    }

    static MessagingException closed(String what) {
        return new MessagingException(what + " is closed");
    }

    static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown";
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
