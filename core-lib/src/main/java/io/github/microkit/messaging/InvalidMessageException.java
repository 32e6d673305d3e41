package io.github.microkit.messaging;

/**
 * A message rejected before anything was sent: the caller's mistake, named with how to fix it.
 * Nothing reached the broker, so there is nothing to retry until the message is fixed.
 */
public final class InvalidMessageException extends MessagingException {

    InvalidMessageException(String message) {
        super(message);
    }

    InvalidMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
