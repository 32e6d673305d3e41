package io.github.microkit.trace;

import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A W3C Trace Context ({@code traceparent}, version 00) with its optional {@code tracestate}.
 *
 * <p>Parse what came in with {@link #parse(String)}, start a trace with {@link #newRoot()}, make the
 * context for your own outgoing call with {@link #newChild()}, and write it out with {@link #traceparent()}.
 * Parsing follows the W3C recommendation: an invalid header is treated as absent (a new trace starts),
 * never as an error for the caller.
 *
 * @see <a href="https://www.w3.org/TR/trace-context/">W3C Trace Context</a>
 */
public final class TraceContext {

    /** The header names, lower case as HTTP/2 and AMQP headers carry them. */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    private static final String INVALID_TRACE_ID = "00000000000000000000000000000000";
    private static final String INVALID_SPAN_ID = "0000000000000000";
    private static final int MAX_TRACESTATE_LENGTH = 512;
    private static final HexFormat HEX = HexFormat.of();

    private final String traceId;
    private final String spanId;
    private final boolean sampled;
    private final String traceState;

    private TraceContext(String traceId, String spanId, boolean sampled, String traceState) {
        this.traceId = traceId;
        this.spanId = spanId;
        this.sampled = sampled;
        this.traceState = traceState;
    }

    /** A new trace with a random trace id and span id, sampled. */
    public static TraceContext newRoot() {
        return new TraceContext(randomHex(16, INVALID_TRACE_ID), randomHex(8, INVALID_SPAN_ID), true, null);
    }

    /**
     * Parses a {@code traceparent} header value. Returns empty for a missing or malformed value, which the
     * caller should treat as "start a new trace" ({@link #parseOrNew(String, String)} does that).
     */
    public static Optional<TraceContext> parse(String traceparent) {
        return parse(traceparent, null);
    }

    /** Parses {@code traceparent} and keeps {@code tracestate} when it is present and of a sane size. */
    public static Optional<TraceContext> parse(String traceparent, String tracestate) {
        if (traceparent == null) {
            return Optional.empty();
        }
        String value = traceparent.trim();
        // version(2) - trace-id(32) - parent-id(16) - flags(2); future versions may append "-..."
        if (value.length() < 55 || value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return Optional.empty();
        }
        String version = value.substring(0, 2);
        String traceId = value.substring(3, 35);
        String spanId = value.substring(36, 52);
        String flags = value.substring(53, 55);
        if (!isLowerHex(version) || "ff".equals(version) || !isLowerHex(traceId) || !isLowerHex(spanId)
                || !isLowerHex(flags)) {
            return Optional.empty();
        }
        if ("00".equals(version) && value.length() != 55) {
            return Optional.empty();
        }
        if (!"00".equals(version) && value.length() > 55 && value.charAt(55) != '-') {
            return Optional.empty();
        }
        if (INVALID_TRACE_ID.equals(traceId) || INVALID_SPAN_ID.equals(spanId)) {
            return Optional.empty();
        }
        boolean sampled = (Integer.parseInt(flags, 16) & 0x01) == 1;
        return Optional.of(new TraceContext(traceId, spanId, sampled, sanitizeTraceState(tracestate)));
    }

    /** The parsed context, or a new root when the header is missing or malformed. */
    public static TraceContext parseOrNew(String traceparent, String tracestate) {
        return parse(traceparent, tracestate).orElseGet(TraceContext::newRoot);
    }

    /** The same trace with a new span id: the context to send on an outgoing call or message. */
    public TraceContext newChild() {
        return new TraceContext(traceId, randomHex(8, INVALID_SPAN_ID), sampled, traceState);
    }

    /** 32 lower-case hex characters. */
    public String traceId() {
        return traceId;
    }

    /** 16 lower-case hex characters: the span (parent id) this context names. */
    public String spanId() {
        return spanId;
    }

    public boolean sampled() {
        return sampled;
    }

    public Optional<String> traceState() {
        return Optional.ofNullable(traceState);
    }

    /** The {@code traceparent} header value, version 00. */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }

    private static String sanitizeTraceState(String tracestate) {
        if (tracestate == null) {
            return null;
        }
        String trimmed = tracestate.trim();
        if (trimmed.isEmpty() || trimmed.length() > MAX_TRACESTATE_LENGTH) {
            return null;
        }
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return null;
            }
        }
        return trimmed;
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static String randomHex(int bytes, String invalid) {
        // trace and span ids must be unique, not secret: a per-thread generator avoids SecureRandom's lock,
        // which every publish and request would otherwise queue on
        byte[] buffer = new byte[bytes];
        String hex;
        do {
            ThreadLocalRandom.current().nextBytes(buffer);
            hex = HEX.formatHex(buffer);
        } while (invalid.equals(hex));
        return hex;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TraceContext)) {
            return false;
        }
        TraceContext other = (TraceContext) o;
        return sampled == other.sampled && traceId.equals(other.traceId) && spanId.equals(other.spanId)
                && Objects.equals(traceState, other.traceState);
    }

    @Override
    public int hashCode() {
        return Objects.hash(traceId, spanId, sampled, traceState);
    }

    @Override
    public String toString() {
        return traceparent();
    }
}
