package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microkit.testing.vault.VaultEmulatorExtension;
import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A read made inside a trace can be found in Vault's audit log by the trace id. */
class VaultAuditIT {

    @RegisterExtension
    static final VaultEmulatorExtension VAULT = VaultEmulatorExtension.create();

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("try") // the scope is used for its side effect: the current trace
    void everyRequestCarriesTheTraceIdSoTheReadCanBeFoundInTheAuditLog() throws Exception {
        try (VaultTarget vault = VaultTarget.of(VAULT)) {
            vault.requireEmulator("reads the audit file, which a real Vault writes on its own host");
            Path audit = dir.resolve("audit.log");
            vault.root("PUT", "sys/audit/mk-file", Map.of("type", "file", "options", Map.of("file_path", audit.toString())));
            vault.root("PUT", "sys/config/auditing/request-headers/X-Request-Id", Map.of("hmac", false));
            String mount = vault.kvMount();
            vault.root("POST", mount + "/data/app/config", Map.of("data", Map.of("api-key", "audited-value-3")));
            TraceContext trace = TraceContext.newRoot();

            try (VaultClient client = VaultClient.connect(VaultSettings.builder(vault.address(),
                    VaultAuth.token(vault.rootToken())).build());
                 CurrentTrace.Scope ignored = CurrentTrace.open(trace)) {
                client.kv(mount).read("app/config");
                client.kv(mount).metadata("app/config");
            }

            ObjectMapper json = new ObjectMapper();
            List<JsonNode> traced = new ArrayList<>();
            for (String line : Files.readAllLines(audit)) {
                JsonNode entry = json.readTree(line);
                if (entry.path("request").path("headers").path("x-request-id").path(0).asText().equals(trace.traceId())) {
                    traced.add(entry);
                }
            }
            assertThat(traced).extracting(e -> e.path("type").asText() + " " + e.path("request").path("path").asText())
                    .contains("request " + mount + "/data/app/config", "response " + mount + "/data/app/config",
                            "request " + mount + "/metadata/app/config");
            assertThat(Files.readString(audit)).doesNotContain("audited-value-3");
        }
    }
}
