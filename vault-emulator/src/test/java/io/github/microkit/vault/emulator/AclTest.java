package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Policy parsing and Vault's path-matching precedence, without a server. */
class AclTest {

    @Test
    void plusMatchesExactlyOneSegmentAndStarMatchesAnyRest() {
        assertThat(Acl.matches("secret/data/+/config", "secret/data/app/config")).isTrue();
        assertThat(Acl.matches("secret/data/+/config", "secret/data/a/b/config")).isFalse();
        assertThat(Acl.matches("secret/data/+/config", "secret/data//config")).isFalse();
        assertThat(Acl.matches("secret/data/app*", "secret/data/app-two/x")).isTrue();
        assertThat(Acl.matches("secret/data/app", "secret/data/app/x")).isFalse();
        assertThat(Acl.matches("secret/+/app/*", "secret/data/app/deep/er")).isTrue();
    }

    @Test
    void theMostSpecificMatchingRuleWinsAsInVault() {
        Acl acl = new Acl(List.of(Policy.parse("p", """
                path "secret/*" { capabilities = ["read", "list"] }
                path "secret/data/+/private" { capabilities = ["deny"] }
                path "secret/data/team/private" { capabilities = ["read"] }
                path "secret/data/team/*" { capabilities = ["create", "update"] }
                """)));

        assertThat(acl.allows("secret/data/other", Operation.READ, false)).isTrue();
        assertThat(acl.allows("secret/data/app/private", Operation.READ, false)).isFalse();
        // An exact path beats every glob.
        assertThat(acl.allows("secret/data/team/private", Operation.READ, false)).isTrue();
        // "secret/data/team/*" beats "secret/*" (its wildcard comes later): no read there.
        assertThat(acl.allows("secret/data/team/x", Operation.READ, false)).isFalse();
        assertThat(acl.allows("secret/data/team/x", Operation.UPDATE, false)).isTrue();
    }

    @Test
    void rulesForTheSamePathFromSeveralPoliciesAreMergedAndDenyWins() {
        Acl merged = new Acl(List.of(
                Policy.parse("a", "path \"kv/x\" { capabilities = [\"read\"] }"),
                Policy.parse("b", "path \"kv/x\" { capabilities = [\"update\"] }")));
        Acl denied = new Acl(List.of(
                Policy.parse("a", "path \"kv/x\" { capabilities = [\"read\"] }"),
                Policy.parse("b", "path \"kv/x\" { capabilities = [\"deny\"] }")));

        assertThat(merged.capabilities("kv/x")).containsExactlyInAnyOrder("read", "update");
        assertThat(denied.allows("kv/x", Operation.READ, false)).isFalse();
    }

    @Test
    void sudoPathsNeedTheSudoCapability() {
        Acl acl = new Acl(List.of(Policy.parse("ops", """
                path "sys/audit/*" { capabilities = ["update"] }
                path "sys/seal" { capabilities = ["update", "sudo"] }
                """)));

        assertThat(acl.allows("sys/audit/file", Operation.UPDATE, true)).isFalse();
        assertThat(acl.allows("sys/seal", Operation.UPDATE, true)).isTrue();
    }

    @Test
    void parserReadsCommentsOtherAttributesAndTheLegacyPolicyShorthand() {
        Policy p = Policy.parse("p", """
                # a comment
                // another
                /* and a block */
                path "secret/data/a" {
                  capabilities = ["read",]
                  allowed_parameters = { "key" = [] }
                }
                path "secret/data/b" { policy = "write" }
                """);

        assertThat(p.rules).hasSize(2);
        assertThat(p.rules.get(0).capabilities()).containsExactly("read");
        assertThat(p.rules.get(1).capabilities()).contains("create", "update", "read", "delete", "list");
    }

    @Test
    void parserRejectsUnknownCapabilitiesAndBrokenSyntaxWithTheLine() {
        assertThatThrownBy(() -> Policy.parse("p", "path \"a\" {\n capabilities = [\"write\"] }"))
                .isInstanceOf(ApiError.class).hasMessageContaining("At 2").hasMessageContaining("invalid capability");
        assertThatThrownBy(() -> Policy.parse("p", "path \"a\" { capabilities = [\"read\"] "))
                .isInstanceOf(ApiError.class).hasMessageContaining("failed to parse policy");
        assertThatThrownBy(() -> Policy.parse("p", "path \"a\" { }"))
                .isInstanceOf(ApiError.class).hasMessageContaining("no capabilities");
    }
}
