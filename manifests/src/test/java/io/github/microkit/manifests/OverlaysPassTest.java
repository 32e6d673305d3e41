package io.github.microkit.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The "must show": every overlay renders and passes every check, as shipped. */
class OverlaysPassTest {

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/prod", "overlays/prod-mesh"})
    void overlayRendersAndPassesEveryRule(String overlay) throws IOException {
        Report report = Manifests.checker().check(Path.of(overlay));

        Path out = Path.of("target", "manifests-report", overlay.replace('/', '-') + ".txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.format(), StandardCharsets.UTF_8);
        System.out.print(report.format());

        assertThat(report.objects()).isGreaterThan(10);
        assertThat(report.violations()).as(report.format()).isEmpty();
        assertThat(report.rules()).contains(SchemaRule.ID, VaultSetupRule.ID, ServiceVariablesRule.ID);
    }
}
