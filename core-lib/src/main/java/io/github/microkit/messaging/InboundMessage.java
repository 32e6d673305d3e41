package io.github.microkit.messaging;

import java.util.Objects;

/**
 * One consumed message of a batch handed to a {@link BatchHandler}: its decoded payload and what came with it.
 *
 * @param payload  the body decoded to the subscription's payload type
 * @param metadata ids, type, headers, trace context and attempt of this message
 * @param <T>      the payload type
 */
public record InboundMessage<T>(T payload, MessageMetadata metadata) {

    public InboundMessage {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(metadata, "metadata");
    }
}
