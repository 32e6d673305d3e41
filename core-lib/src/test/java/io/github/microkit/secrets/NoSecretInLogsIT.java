package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link LeakScenario} (login, KV reads and writes, denial, revocation, sealed, renewals, re-login,
 * RabbitMQ lease rotation, outage, rejected logins) in a fresh JVM with slf4j-simple at TRACE and
 * java.util.logging at ALL, captures everything it writes to stdout and stderr (where both loggers and any
 * stray stack trace go), and searches it for every secret value the run used.
 */
class NoSecretInLogsIT {

    @TempDir
    Path dir;

    @Test
    void noSecretValueAppearsInAnyLogLineOfAFullRun() throws Exception {
        Path values = dir.resolve("values.txt");
        Path output = dir.resolve("output.txt");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=trace",
                "-Dorg.slf4j.simpleLogger.logFile=System.err",
                LeakScenario.class.getName(), values.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).directory(new File(System.getProperty("user.dir"))).start();
        boolean finished = process.waitFor(3, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly();
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);

        assertThat(finished).as("scenario finished").isTrue();
        assertThat(process.exitValue()).as("scenario exit code; output:%n%s", log).isZero();
        // the capture covers every channel and level: stdout, stderr, JUL at FINE, slf4j at TRACE
        assertThat(log).contains("marker:stdout", "marker:stderr", "marker:jul", "marker:slf4j-trace");
        assertThat(log).contains("DEBUG io.github.microkit.secrets").contains("Vault login")
                .contains("step 'forbidden read' failed", "step 'cas mismatch' failed", "step 'read after revocation' done",
                        "step 'sealed read' failed", "step 'stale read' done", "step 'too stale read' failed",
                        "step 'rejected login' failed", "step 'given token that is not valid' failed", "rotated from");
        List<String> secrets = Files.readAllLines(values, StandardCharsets.UTF_8).stream()
                .filter(v -> !v.isBlank()).toList();
        assertThat(secrets).as("values the run used").hasSizeGreaterThan(10);
        for (String secret : secrets) {
            assertThat(log).as("a secret value of length %d leaked into the output", secret.length())
                    .doesNotContain(secret);
        }
    }
}
