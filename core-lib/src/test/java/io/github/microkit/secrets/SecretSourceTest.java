package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretSourceTest {

    @TempDir
    Path dir;

    @Test
    void environmentMapsDashedNamesToUpperCaseVariables() {
        SecretSource env = SecretSource.environment(Map.of("RABBITMQ_PASSWORD", "env-pw"));

        assertThat(env.find("rabbitmq-password")).map(Secret::reveal).contains("env-pw");
        assertThat(env.find("rabbitmq.password")).map(Secret::reveal).contains("env-pw");
        assertThat(env.find("other")).isEmpty();
    }

    @Test
    void environmentReadsTheFileVariantWithoutItsTrailingNewline() throws IOException {
        Path file = Files.writeString(dir.resolve("pw"), "file-pw\n");
        SecretSource env = SecretSource.environment(Map.of("RABBITMQ_PASSWORD_FILE", file.toString()));

        assertThat(env.find("rabbitmq-password")).map(Secret::reveal).contains("file-pw");
    }

    @Test
    void aVariableSetBothDirectlyAndAsAFileIsRefusedRatherThanGuessed() throws IOException {
        Path file = Files.writeString(dir.resolve("pw"), "file-pw");
        SecretSource env = SecretSource.environment(Map.of("PASSWORD", "direct-pw", "PASSWORD_FILE", file.toString()));

        assertThatThrownBy(() -> env.find("password"))
                .isInstanceOfSatisfying(SecretAccessException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.INVALID);
                    assertThat(e.getMessage()).contains("PASSWORD_FILE").doesNotContain("direct-pw", "file-pw");
                });
    }

    @Test
    void anUnreadableFileVariableIsAnErrorNotAnAbsentSecret() {
        SecretSource env = SecretSource.environment(Map.of("TOKEN_FILE", dir.resolve("missing").toString()));

        assertThatThrownBy(() -> env.find("token"))
                .isInstanceOfSatisfying(SecretAccessException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.UNREADABLE);
                    assertThat(e.path()).isEqualTo("token");
                });
    }

    @Test
    void directoryReadsOneFilePerSecretAndSeesAKubernetesStyleSwap() throws IOException {
        // Kubernetes mounts: key -> ..data/key, ..data -> ..<timestamp>; an update swaps the ..data link
        Path v1 = Files.createDirectory(dir.resolve("..2026_01_01"));
        Files.writeString(v1.resolve("api-key"), "first\n");
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(dir.resolve("api-key"), Path.of("..data", "api-key"));
        SecretSource files = SecretSource.directory(dir);
        assertThat(files.find("api-key")).map(Secret::reveal).contains("first");

        Path v2 = Files.createDirectory(dir.resolve("..2026_01_02"));
        Files.writeString(v2.resolve("api-key"), "second");
        Path tmpLink = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
        Files.move(tmpLink, dir.resolve("..data"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        assertThat(files.find("api-key")).map(Secret::reveal).contains("second");
        assertThat(files.find("absent")).isEmpty();
    }

    @Test
    void directoryRefusesNamesThatCouldEscapeIt() {
        SecretSource files = SecretSource.directory(dir);

        assertThatThrownBy(() -> files.find("../etc/passwd"))
                .isInstanceOfSatisfying(SecretAccessException.class,
                        e -> assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.INVALID));
        assertThatThrownBy(() -> files.find("..data"))
                .isInstanceOf(SecretAccessException.class);
    }

    @Test
    void propertiesFileKeepsBackslashesAndIsReparsedWhenItChanges() throws IOException {
        Path file = dir.resolve("agent.env");
        Files.writeString(file, "# rendered by Vault Agent\nusername=app\npassword=a\\b=c\n", StandardCharsets.UTF_8);
        SecretSource rendered = SecretSource.propertiesFile(file);

        assertThat(rendered.find("password")).map(Secret::reveal).contains("a\\b=c");
        assertThat(rendered.find("username")).map(Secret::reveal).contains("app");

        Files.writeString(file, "username=app\npassword=rotated\n", StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(rendered.find("password")).map(Secret::reveal).contains("rotated");
    }

    @Test
    void propertiesFileNotYetRenderedMeansAbsent() {
        assertThat(SecretSource.propertiesFile(dir.resolve("not-yet")).find("password")).isEmpty();
    }

    @Test
    void firstOfUsesTheStatedPrecedence() throws IOException {
        Files.writeString(dir.resolve("password"), "from-file");
        SecretSource composite = SecretSource.firstOf(
                SecretSource.directory(dir),
                SecretSource.environment(Map.of("PASSWORD", "from-env", "USERNAME", "env-user")));

        assertThat(composite.find("password")).map(Secret::reveal).contains("from-file");
        assertThat(composite.find("username")).map(Secret::reveal).contains("env-user");
        assertThat(composite.describe()).startsWith("first of: files in").contains("then environment variables");
    }

    @Test
    void firstOfStopsAtASourceThatCannotTellInsteadOfFallingThrough() {
        SecretSource broken = new SecretSource() {
            @Override
            public Optional<Secret> find(String name) {
                throw SecretAccessException.of(SecretAccessException.Reason.UNREACHABLE, "test source", name, "");
            }

            @Override
            public String describe() {
                return "test source";
            }
        };
        SecretSource composite = SecretSource.firstOf(broken, SecretSource.environment(Map.of("PASSWORD", "old")));

        assertThatThrownBy(() -> composite.find("password"))
                .isInstanceOfSatisfying(SecretAccessException.class,
                        e -> assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.UNREACHABLE));
    }

    @Test
    void requireNamesTheMissingSecretAndTheSource() {
        SecretSource env = SecretSource.environment(Map.of());

        assertThatThrownBy(() -> env.require("db-password"))
                .isInstanceOfSatisfying(SecretAccessException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.NOT_FOUND);
                    assertThat(e).hasMessageContaining("db-password").hasMessageContaining("environment variables");
                });
    }
}
