package io.github.microkit.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestCheckTest {

    @Test
    void theCommandLineExitsZeroForGoodOverlaysAndOneForABrokenOne() {
        ByteArrayOutputStream good = new ByteArrayOutputStream();
        ByteArrayOutputStream broken = new ByteArrayOutputStream();

        int goodStatus = ManifestCheck.run(List.of("overlays/dev"), Manifests.root(),
                new PrintStream(good, true, StandardCharsets.UTF_8));
        int brokenStatus = ManifestCheck.run(List.of("src/test/resources/broken/floating-image"), Manifests.root(),
                new PrintStream(broken, true, StandardCharsets.UTF_8));

        assertThat(goodStatus).isZero();
        assertThat(good.toString(StandardCharsets.UTF_8)).contains("overlays/dev: ").contains("passed");
        assertThat(brokenStatus).isEqualTo(1);
        assertThat(broken.toString(StandardCharsets.UTF_8))
                .contains("src/test/resources/broken/floating-image/job.yaml: Job/migrate: [image-pinned]");
    }

    @Test
    void anOverlayThatCannotBeRenderedExitsTwo() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = ManifestCheck.run(List.of("overlays/nowhere"), Manifests.root(),
                new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("cannot check: ");
    }
}
