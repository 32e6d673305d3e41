package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.github.microkit.testing.vault.VaultEmulatorExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** KV v2 through {@link VaultClient}: against the emulator, or a real Vault with VAULT_ADDR and VAULT_TOKEN. */
class VaultKvContractIT {

    @RegisterExtension
    static final VaultEmulatorExtension VAULT = VaultEmulatorExtension.create();

    private static VaultTarget vault;
    private static String mount;
    private static VaultClient admin;

    @BeforeAll
    static void start() {
        vault = VaultTarget.of(VAULT);
        mount = vault.kvMount();
        admin = VaultClient.connect(settings(VaultAuth.token(vault.rootToken())));
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        vault.close();
    }

    static VaultSettings settings(VaultAuth auth) {
        return VaultSettings.builder(vault.address(), auth).clock(vault.clock())
                .retry(new RetryPolicy(2, Duration.ofMillis(5), Duration.ofMillis(20))).build();
    }

    @Test
    void readsTheLatestOrAGivenVersionWithMountAndPathGivenSeparately() {
        KvV2 kv = admin.kv(mount);
        int v1 = kv.write("app/versions", Map.of("api-key", "key-one"));
        int v2 = kv.write("app/versions", Map.of("api-key", "key-two"));

        KvReadResult latest = kv.read("app/versions");
        assertThat(latest.outcome()).isEqualTo(KvReadResult.Outcome.FOUND);
        assertThat(latest.version()).isEqualTo(v2).isEqualTo(v1 + 1);
        assertThat(latest.orElseThrow().get("api-key")).map(Secret::reveal).contains("key-two");
        assertThat(kv.read("app/versions", v1).orElseThrow().get("api-key")).map(Secret::reveal).contains("key-one");
        assertThat(latest.toString()).doesNotContain("key-two");
    }

    @Test
    void aMountSeveralSegmentsDeepGetsDataInsertedAfterTheWholeMount() {
        String nested = vault.nestedKvMount();
        KvV2 kv = admin.kv(nested);
        kv.write("app/deep", Map.of("k", "deep-value"));

        assertThat(kv.read("app/deep").orElseThrow().get("k")).map(Secret::reveal).contains("deep-value");
        // the same secret seen through the raw API: data/ sits after the mount, not after its first segment
        assertThat(vault.root("GET", nested + "/data/app/deep", null).body().path("data").path("data").path("k").asText())
                .isEqualTo("deep-value");
        assertThat(kv.metadata("app/deep").orElseThrow().currentVersion()).isEqualTo(1);
    }

    @Test
    void checkAndSetWritesOnlyOverTheExpectedVersion() {
        KvV2 kv = admin.kv(mount);
        assertThat(kv.write("app/cas", Map.of("k", "a"), 0)).isEqualTo(1);

        assertThatThrownBy(() -> kv.write("app/cas", Map.of("k", "b"), 0))
                .isInstanceOfSatisfying(SecretAccessException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.CAS_MISMATCH);
                    assertThat(e.path()).isEqualTo(mount + "/app/cas");
                });
        assertThat(kv.write("app/cas", Map.of("k", "b"), 1)).isEqualTo(2);
    }

    @Test
    void neverWrittenSoftDeletedAndDestroyedAreDistinctOutcomesNotEmptyMaps() {
        KvV2 kv = admin.kv(mount);
        assertThat(kv.read("app/never").outcome()).isEqualTo(KvReadResult.Outcome.NOT_FOUND);

        kv.write("app/gone", Map.of("k", "one"));
        kv.write("app/gone", Map.of("k", "two"));
        kv.delete("app/gone", 2);
        KvReadResult deleted = kv.read("app/gone");
        assertThat(deleted.outcome()).isEqualTo(KvReadResult.Outcome.DELETED);
        assertThat(deleted.version()).isEqualTo(2);
        assertThat(deleted.deletionTime()).isPresent();
        assertThatThrownBy(deleted::orElseThrow).isInstanceOfSatisfying(SecretAccessException.class,
                e -> assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.DELETED));
        assertThat(kv.read("app/gone", 1).outcome()).as("other versions untouched").isEqualTo(KvReadResult.Outcome.FOUND);

        vault.root("PUT", mount + "/destroy/app/gone", Map.of("versions", List.of(1)));
        assertThat(kv.read("app/gone", 1).outcome()).isEqualTo(KvReadResult.Outcome.DESTROYED);
    }

    @Test
    void deletingWithoutNamingVersionsIsRefusedSoNoVersionIsErasedByAccident() {
        assertThatThrownBy(() -> admin.kv(mount).delete("app/any")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> admin.kv(mount + "/data")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> admin.kv(mount).read("data/app/any")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void metadataListsEveryVersionAndItsState() {
        KvV2 kv = admin.kv(mount);
        kv.write("app/meta", Map.of("k", "1"));
        kv.write("app/meta", Map.of("k", "2"));
        kv.delete("app/meta", 1);

        KvMetadata meta = kv.metadata("app/meta").orElseThrow();

        assertThat(meta.currentVersion()).isEqualTo(2);
        assertThat(meta.versions()).containsOnlyKeys(1, 2);
        assertThat(meta.versions().get(1).deleted()).isTrue();
        assertThat(meta.versions().get(2).deleted()).isFalse();
        assertThat(kv.metadata("app/never-written")).isEmpty();
    }

    @Test
    void aPolicyThatDoesNotCoverAPathGetsAnExceptionNamingPathAndDenialButNeverTheValue() {
        admin.kv(mount).write("app/allowed", Map.of("k", "visible-to-reader"));
        admin.kv(mount).write("other/private", Map.of("db-password", "pw-never-shown-7f3a"));
        String policy = vault.policy("path \"" + mount + "/data/app/*\" { capabilities = [\"read\"] }");
        try (VaultClient reader = VaultClient.connect(settings(
                VaultAuth.token(vault.token(List.of(policy), "1h", "2h"))))) {

            assertThatThrownBy(() -> reader.kv(mount).read("other/private"))
                    .isInstanceOfSatisfying(SecretAccessException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.FORBIDDEN);
                        assertThat(e.path()).isEqualTo(mount + "/other/private");
                        assertThat(e.getMessage()).contains(mount + "/other/private").contains("permission denied")
                                .doesNotContain("pw-never-shown-7f3a");
                        assertThat(e.httpStatus()).contains(403);
                    });
            // the token itself is fine: the next allowed read works with the same token
            String accessor = reader.session().state().orElseThrow().accessor();
            assertThat(reader.kv(mount).read("app/allowed").outcome()).isEqualTo(KvReadResult.Outcome.FOUND);
            assertThat(reader.session().state().orElseThrow().accessor()).isEqualTo(accessor);
        }
    }

    @Test
    void aSealedVaultGivesAnErrorNamingTheState() {
        vault.requireEmulator("sealing a real Vault needs its unseal keys");
        admin.kv(mount).write("app/sealed", Map.of("k", "v"));
        vault.emulator().seal();
        try {
            assertThatThrownBy(() -> admin.kv(mount).read("app/sealed"))
                    .isInstanceOfSatisfying(SecretAccessException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.SEALED);
                        assertThat(e.getMessage()).contains("sealed").contains(mount + "/app/sealed");
                    });
        } finally {
            vault.emulator().unseal();
        }
        assertThat(admin.kv(mount).read("app/sealed").outcome()).isEqualTo(KvReadResult.Outcome.FOUND);
    }
}
