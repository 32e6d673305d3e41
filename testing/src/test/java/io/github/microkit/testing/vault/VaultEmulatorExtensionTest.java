package io.github.microkit.testing.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.vault.emulator.VaultEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.opentest4j.TestAbortedException;

class VaultEmulatorExtensionTest {

    @RegisterExtension
    static final VaultEmulatorExtension VAULT = VaultEmulatorExtension.emulatorOnly();

    static int get(URI address, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(address.resolve("/v1/" + path));
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void startsAnEmulatorOnAFreePortWithKvV2AtSecret() throws Exception {
        assertThat(VAULT.isEmulator()).isTrue();
        assertThat(VAULT.address().getPort()).isNotEqualTo(8200);
        assertThat(get(VAULT.address(), "sys/health", null)).isEqualTo(200);
        assertThat(get(VAULT.address(), "sys/mounts", VAULT.rootToken())).isEqualTo(200);
    }

    @Test
    void createsTokensWhosePoliciesAreEnforcedAndThatExpireOnTheMovedClock() throws Exception {
        VAULT.writePolicy("ext-reader", "path \"secret/data/ext/*\" { capabilities = [\"read\"] }");
        String token = VAULT.createToken(Duration.ofMinutes(5), "ext-reader");

        int own = get(VAULT.address(), "secret/data/ext/missing", token);
        int other = get(VAULT.address(), "secret/data/elsewhere", token);
        VAULT.advanceClock(Duration.ofMinutes(6));
        int expired = get(VAULT.address(), "auth/token/lookup-self", token);

        assertThat(own).isEqualTo(404); // allowed, just absent
        assertThat(other).isEqualTo(403);
        assertThat(expired).isEqualTo(403);
    }

    @Test
    void withVaultAddrAndTokenSetItTargetsThatVaultAndReportsTheClockUnavailable() throws Exception {
        try (VaultEmulator real = VaultEmulator.builder().port(0).rootToken("real-root").start()) {
            VaultEmulatorExtension ext = VaultEmulatorExtension.fromEnvironment(
                    Map.of("VAULT_ADDR", real.address().toString(), "VAULT_TOKEN", "real-root"));
            ext.start();
            try {
                String token = ext.createToken("anything");

                assertThat(ext.isEmulator()).isFalse();
                assertThat(ext.address()).isEqualTo(real.address());
                assertThat(ext.clock()).isEmpty();
                assertThat(get(real.address(), "auth/token/lookup-self", token)).isEqualTo(200);
                assertThatThrownBy(() -> ext.advanceClock(Duration.ofHours(1)))
                        .isInstanceOf(TestAbortedException.class)
                        .hasMessageContaining("real Vault");
            } finally {
                ext.stop();
            }
        }
    }

    @Test
    void beforeStartItSaysHowToRegisterIt() {
        VaultEmulatorExtension ext = VaultEmulatorExtension.emulatorOnly();

        assertThatThrownBy(ext::address).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@RegisterExtension");
    }
}
