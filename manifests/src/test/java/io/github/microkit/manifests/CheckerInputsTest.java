package io.github.microkit.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the checker reads besides the manifests: the tool, the rendered stream, the variables list. */
class CheckerInputsTest {

    @Test
    void aKustomizationThatDoesNotRenderFailsWithTheToolsMessage() {
        assertThatThrownBy(() -> Manifests.checker().check(Path.of("overlays/staging")))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("overlays/staging")
                .hasMessageContaining("failed");
    }

    @Test
    void theStandaloneKustomizeIsCalledWithBuild() {
        // The fallback where kubectl is missing: "kustomize build DIR", not "kubectl kustomize DIR".
        Kustomize kustomize = Kustomize.forBinary(Path.of("/nonexistent/bin/kustomize"));

        assertThat(kustomize).hasToString("/nonexistent/bin/kustomize build");
        assertThatThrownBy(() -> kustomize.render(Manifests.root().resolve("overlays/dev")))
                .isInstanceOf(ManifestException.class)
                .hasMessageStartingWith("cannot run /nonexistent/bin/kustomize build ");
        assertThat(Kustomize.forBinary(Path.of("/usr/bin/kubectl"))).hasToString("/usr/bin/kubectl kustomize");
    }

    @Test
    void anObjectWithoutOriginIsAttributedToTheOverlaysKustomization() {
        RenderedOverlay overlay = RenderedOverlay.parse("""
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: lonely
                ---
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: traced
                  annotations:
                    config.kubernetes.io/origin: |
                      path: ../../base/traced.yaml
                """, Manifests.root(), Path.of("overlays/dev"));

        assertThat(overlay.objects()).extracting(ManifestObject::source)
                .containsExactly("overlays/dev/kustomization.yaml", "base/traced.yaml");
    }

    @Test
    void theVariablesListIsTheOneTheDesignTableDescribes() {
        ServiceVariables variables = ServiceVariables.load(Manifests.root().resolve(ServiceVariables.FILE_NAME));

        assertThat(variables.services()).containsExactlyInAnyOrder("producer", "consumer");
        assertThat(variables.of("producer")).extracting(ServiceVariables.Variable::name).contains(
                "HTTP_PORT", "RABBITMQ_URI", "JWT_ISSUER", "JWT_AUDIENCE", "VAULT_ADDR", "VAULT_AUTH",
                "VAULT_K8S_ROLE", "VAULT_RABBITMQ_ROLE", "VAULT_KV_MOUNT", "VAULT_KV_PATH", "SHUTDOWN_TIMEOUT");
        assertThat(variables.variableFor("consumer", "RABBITMQ_PASSWORD_FILE")).isPresent();
        assertThat(variables.variableFor("consumer", "HTTP_PORT_FILE")).isEmpty();
    }

    @Test
    void aRequirementAppliesOnlyUnderItsCondition() {
        ServiceVariables variables = ServiceVariables.parse("VAULT_TOKEN file producer when VAULT_AUTH=token\n", "test");
        ServiceVariables.Variable token = variables.of("producer").get(0);

        assertThat(token.requirement().appliesTo(Map.of("VAULT_AUTH", Optional.of("token")))).isTrue();
        assertThat(token.requirement().appliesTo(Map.of("VAULT_AUTH", Optional.of("kubernetes")))).isFalse();
        assertThat(token.isSetIn(Map.of("VAULT_TOKEN_FILE", Optional.of("/run/token")))).isTrue();
    }

    @Test
    void aMalformedVariablesLineIsRefusedWithItsLineNumber() {
        assertThatThrownBy(() -> ServiceVariables.parse("# header\nHTTP_PORT - producer sometimes\n", "list.txt"))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("list.txt:2");
    }
}
