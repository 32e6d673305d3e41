package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microkit.vault.emulator.VaultHttp.Reply;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A token reads only what its policies allow; the root token bypasses the ACL. */
class PolicyEnforcementTest {

    static VaultEmulator emulator;
    static VaultHttp http;
    static String root;

    @BeforeAll
    static void start() {
        emulator = VaultEmulator.builder().port(0).start();
        http = new VaultHttp(emulator.address());
        root = emulator.rootToken();
        http.policy(root, "reader", """
                path "secret/data/app/*" { capabilities = ["read"] }
                path "secret/metadata/app/*" { capabilities = ["list"] }
                """);
        http.policy(root, "creator", """
                path "secret/data/drafts/*" { capabilities = ["create"] }
                """);
        http.post("secret/data/app/db", root, Map.of("data", Map.of("password", "s3cret")));
        http.post("secret/data/other/db", root, Map.of("data", Map.of("password", "other")));
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    @Test
    void readPolicyAllowsReadingItsPathsOnly() {
        String token = http.tokenWith(root, "reader");

        Reply allowed = http.get("secret/data/app/db", token);
        Reply otherPath = http.get("secret/data/other/db", token);
        Reply write = http.post("secret/data/app/db", token, Map.of("data", Map.of("password", "mine")));
        Reply listing = http.list("secret/metadata/app/", token);

        assertThat(allowed.status()).isEqualTo(200);
        assertThat(otherPath.status()).isEqualTo(403);
        assertThat(otherPath.json().at("/errors/0").asText()).isEqualTo("1 error occurred:\n\t* permission denied\n\n");
        assertThat(otherPath.text()).doesNotContain("other");
        assertThat(write.status()).isEqualTo(403);
        assertThat(listing.status()).isEqualTo(200);
    }

    @Test
    void createCapabilityWritesNewSecretsButMayNotOverwriteThem() {
        String token = http.tokenWith(root, "creator");

        Reply first = http.post("secret/data/drafts/one", token, Map.of("data", Map.of("k", "v")));
        Reply overwrite = http.post("secret/data/drafts/one", token, Map.of("data", Map.of("k", "w")));

        assertThat(first.status()).isEqualTo(200);
        assertThat(overwrite.status()).isEqualTo(403);
    }

    @Test
    void missingOrUnknownTokenIsDeniedAndRootIsNot() {
        assertThat(http.get("secret/data/app/db", null).status()).isEqualTo(403);
        assertThat(http.get("secret/data/app/db", "hvs.not-a-token").status()).isEqualTo(403);
        assertThat(http.get("secret/data/other/db", root).status()).isEqualTo(200);
    }

    @Test
    void defaultPolicyLetsEveryTokenLookUpRenewAndRevokeItselfButNotOthers() {
        String token = http.tokenWith(root, "reader");
        String other = http.tokenWith(root, "reader");

        assertThat(http.get("auth/token/lookup-self", token).status()).isEqualTo(200);
        assertThat(http.post("auth/token/renew-self", token, Map.of()).status()).isEqualTo(200);
        assertThat(http.post("auth/token/lookup", token, Map.of("token", other)).status()).isEqualTo(403);
        assertThat(http.post("auth/token/revoke-self", token, null).status()).isEqualTo(204);
    }

    @Test
    void aPolicyChangeAppliesToExistingTokensAtOnce() {
        http.policy(root, "changing", "path \"secret/data/other/*\" { capabilities = [\"read\"] }");
        String token = http.tokenWith(root, "changing");
        int before = http.get("secret/data/other/db", token).status();

        http.policy(root, "changing", "path \"secret/data/app/*\" { capabilities = [\"read\"] }");

        assertThat(before).isEqualTo(200);
        assertThat(http.get("secret/data/other/db", token).status()).isEqualTo(403);
    }

    @Test
    void capabilitiesSelfReportsWhatThePoliciesGrant() {
        String token = http.tokenWith(root, "reader");

        Reply r = http.post("sys/capabilities-self", token, Map.of("paths", new String[] {"secret/data/app/x", "secret/data/z"}));

        assertThat(r.json().at("/data/secret~1data~1app~1x/0").asText()).isEqualTo("read");
        assertThat(r.json().at("/data/secret~1data~1z/0").asText()).isEqualTo("deny");
    }
}
