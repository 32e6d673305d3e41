package io.github.microkit.secrets;

import io.github.microkit.testing.vault.VaultEmulatorExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the login and session tests start from, for a static {@code @RegisterExtension} field: the Vault of
 * {@link VaultEmulatorExtension#create()}, a KV v2 mount of their own holding {@code app/config} with an
 * {@code api-key}, a policy that reads {@code app/*}, and clients that look at their token every 10 ms and retry
 * briefly, so that what falls due in the background happens within a test's wait.
 */
final class AppConfigVault implements BeforeAllCallback, AfterAllCallback {

    private final VaultEmulatorExtension extension = VaultEmulatorExtension.create();
    private final String apiKey;
    private VaultTarget vault;
    private String mount;
    private String readPolicy;

    private AppConfigVault(String apiKey) {
        this.apiKey = apiKey;
    }

    /** {@code apiKey}: the value of {@code app/config}'s one key. */
    static AppConfigVault withApiKey(String apiKey) {
        return new AppConfigVault(apiKey);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        extension.beforeAll(context);
        vault = VaultTarget.of(extension);
        mount = vault.kvMount();
        vault.root("POST", mount + "/data/app/config", Map.of("data", Map.of("api-key", apiKey)));
        readPolicy = vault.policy("path \"" + mount + "/data/app/*\" { capabilities = [\"read\"] }");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (vault != null) {
                vault.close();
            }
        } finally {
            extension.afterAll(context);
        }
    }

    /** The Vault, for the root token's calls and the emulator's clock. */
    VaultTarget target() {
        return vault;
    }

    /** The KV v2 mount that holds {@code app/config}. */
    String mount() {
        return mount;
    }

    /** The name of the policy that reads {@code app/*} of {@link #mount()}. */
    String readPolicy() {
        return readPolicy;
    }

    VaultClient connect(VaultAuth auth) {
        return VaultClient.connect(VaultSettings.builder(vault.address(), auth).clock(vault.clock())
                .checkInterval(Duration.ofMillis(10))
                .retry(new RetryPolicy(2, Duration.ofMillis(5), Duration.ofMillis(20))).build());
    }
}
