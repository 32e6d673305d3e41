package io.github.microkit.messaging;

/** The message headers of microkit's contract (see DESIGN.md, "Messages"). */
public final class MessageHeaders {

    /** W3C trace context of the work that published the message. */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    /** Which publisher instance sent it, and its sequence number there: lets consumers detect loss. */
    public static final String PUBLISHER_ID = "x-publisher-id";
    public static final String PUBLISHER_SEQ = "x-publisher-seq";
    /** 1 on the first delivery, raised by each delayed retry. */
    public static final String ATTEMPT = "x-attempt";

    /** Added when a message is dead-lettered. */
    public static final String EXCEPTION_TYPE = "x-exception-type";
    public static final String EXCEPTION_MESSAGE = "x-exception-message";
    public static final String ORIGINAL_EXCHANGE = "x-original-exchange";
    public static final String ORIGINAL_ROUTING_KEY = "x-original-routing-key";
    public static final String ORIGINAL_QUEUE = "x-original-queue";
    public static final String DEAD_LETTERED_AT = "x-dead-lettered-at";

    private MessageHeaders() {
    }

    /** Headers the library sets itself; a message may not set them. */
    static boolean reserved(String name) {
        return name.equals(TRACEPARENT) || name.equals(TRACESTATE) || name.equals(PUBLISHER_ID)
                || name.equals(PUBLISHER_SEQ) || name.equals(ATTEMPT);
    }
}
