package io.github.microkit.trace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class TraceContextTest {

    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void parsesAValidTraceparentAndWritesItBackUnchanged() {
        TraceContext context = TraceContext.parse(VALID).orElseThrow();

        assertThat(context.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(context.spanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(context.sampled()).isTrue();
        assertThat(context.traceparent()).isEqualTo(VALID);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" is treated as absent")
    @NullSource
    @ValueSource(strings = {
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",          // no flags
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",       // upper case
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",       // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",       // all-zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // forbidden version
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // version 00 has no extra fields
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",       // wrong separators
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",       // not hex
    })
    void malformedTraceparentIsTreatedAsAbsentSoANewTraceStarts(String header) {
        assertThat(TraceContext.parse(header)).isEmpty();
        TraceContext fresh = TraceContext.parseOrNew(header, null);
        assertThat(fresh.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    }

    @Test
    void futureVersionWithExtraFieldsIsAccepted() {
        assertThat(TraceContext.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-whatever"))
                .hasValueSatisfying(c -> assertThat(c.sampled()).isFalse());
    }

    @Test
    void childKeepsTheTraceAndTraceStateButGetsItsOwnSpan() {
        TraceContext parent = TraceContext.parse(VALID, "vendor=abc").orElseThrow();

        TraceContext child = parent.newChild();

        assertThat(child.traceId()).isEqualTo(parent.traceId());
        assertThat(child.spanId()).isNotEqualTo(parent.spanId()).hasSize(16);
        assertThat(child.traceState()).contains("vendor=abc");
    }

    @Test
    void oversizedOrNonPrintableTraceStateIsDropped() {
        assertThat(TraceContext.parse(VALID, "a=" + "x".repeat(600)).orElseThrow().traceState()).isEmpty();
        assertThat(TraceContext.parse(VALID, "a=b\nc").orElseThrow().traceState()).isEmpty();
    }

    @Test
    void currentTraceScopesNestAndRestoreWhatWasThereBefore() {
        TraceContext outer = TraceContext.newRoot();
        TraceContext inner = TraceContext.newRoot();

        assertThat(CurrentTrace.get()).isEmpty();
        try (CurrentTrace.Scope a = CurrentTrace.open(outer)) {
            try (CurrentTrace.Scope b = CurrentTrace.open(inner)) {
                assertThat(CurrentTrace.get()).contains(inner);
            }
            assertThat(CurrentTrace.get()).contains(outer);
        }
        assertThat(CurrentTrace.get()).isEmpty();
    }
}
