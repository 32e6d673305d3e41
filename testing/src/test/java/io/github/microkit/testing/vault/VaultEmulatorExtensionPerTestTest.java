package io.github.microkit.testing.vault;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registered on an instance field, the extension gives every test a fresh emulator. */
class VaultEmulatorExtensionPerTestTest {

    @RegisterExtension
    final VaultEmulatorExtension vault = VaultEmulatorExtension.emulatorOnly();

    @RepeatedTest(2)
    void eachTestStartsWithAFreshEmulator() throws Exception {
        // A policy written by the previous repetition would still be there if the emulator were shared.
        int before = VaultEmulatorExtensionTest.get(vault.address(), "sys/policies/acl/marker", vault.rootToken());

        vault.writePolicy("marker", "path \"x\" { capabilities = [\"read\"] }");

        assertThat(before).isEqualTo(404);
        assertThat(VaultEmulatorExtensionTest.get(vault.address(), "sys/policies/acl/marker", vault.rootToken()))
                .isEqualTo(200);
    }
}
