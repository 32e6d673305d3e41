package io.github.microkit.messaging;

/**
 * Thrown by a {@link MessageHandler} for a message that will never succeed (a validation failure, a reference to
 * something that does not exist): the message goes to the dead-letter queue at once, without delayed retries.
 *
 * <p>Its message travels in the dead-letter's {@code x-exception-message} header (truncated): never put a secret
 * or personal data in it.
 */
public class NonRetryableException extends MessagingException {

    public NonRetryableException(String message) {
        super(message);
    }

    public NonRetryableException(String message, Throwable cause) {
        super(message, cause);
    }
}
