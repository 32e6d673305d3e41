package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar target/vault-emulator.jar}, as a developer runs it (the jar is built before the ITs). */
class RunnableJarIT {

    static final Path JAR = Path.of("target", "vault-emulator.jar");
    static final Pattern ADDR = Pattern.compile("export VAULT_ADDR='(http://[^']+)'");

    @TempDir
    Path dir;

    @Test
    void theJarRunsLikeADevServerWithTheGivenRootTokenAndAuditFile() throws Exception {
        Path audit = dir.resolve("audit.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-jar", JAR.toString(), "--port", "0", "--root-token", "dev-root",
                "--audit-file", audit.toString()).redirectErrorStream(true).start();
        try {
            URI address = null;
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            for (String line = out.readLine(); line != null && address == null; line = out.readLine()) {
                Matcher m = ADDR.matcher(line);
                if (m.find()) {
                    address = URI.create(m.group(1));
                }
            }
            assertThat(address).as("the jar prints the address to use").isNotNull();
            VaultHttp http = new VaultHttp(address);

            VaultHttp.Reply write = http.post("secret/data/dev/app", "dev-root", Map.of("data", Map.of("k", "v")));
            VaultHttp.Reply self = http.get("auth/token/lookup-self", "dev-root");
            VaultHttp.Reply wrongRoot = http.get("auth/token/lookup-self", "root");

            assertThat(write.status()).isEqualTo(200);
            assertThat(self.json().at("/data/policies/0").asText()).isEqualTo("root");
            assertThat(wrongRoot.status()).isEqualTo(403);
            assertThat(Files.readString(audit)).contains("\"path\":\"secret/data/dev/app\"");
        } finally {
            p.destroy();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }
}
