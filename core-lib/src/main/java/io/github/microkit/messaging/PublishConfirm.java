package io.github.microkit.messaging;

/**
 * The broker confirmed a message: it is in every queue it was routed to (and on disk, for a durable
 * queue and a persistent message).
 *
 * @param messageId    the message's id
 * @param exchange     where it was published
 * @param routingKey   with which routing key
 * @param publisherSeq its sequence number at this publisher ({@code x-publisher-seq})
 */
public record PublishConfirm(String messageId, String exchange, String routingKey, long publisherSeq) {
}
