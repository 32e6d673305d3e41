package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServiceVariablesRuleTest {
    private static final String PRODUCER = "base/producer/deployment.yaml";

    @Test
    void aRequiredVariableThatIsNotSetIsRejected() {
        Report report = Broken.check("overlays/prod", "ConfigMap", "producer-config", c -> at(c, "/data").remove("JWT_ISSUER"));

        assertRejected(report, ServiceVariablesRule.ID, PRODUCER, "Deployment/producer",
                "producer reads JWT_ISSUER, required always, and it is not set");
    }

    @Test
    void aVariableTheServiceDoesNotReadIsRejected() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "consumer-config",
                c -> at(c, "/data").put("JWT_ISSUR", "http://identity-provider:8090/default"));

        assertRejected(report, ServiceVariablesRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                "sets JWT_ISSUR, which consumer does not read (not in service-variables.txt); set in "
                        + "ConfigMap/" + Broken.find(Broken.rendered("overlays/dev"), "ConfigMap", "consumer-config").name()
                        + ", base/kustomization.yaml (ConfigMapGenerator)");
    }

    @Test
    void anotherVaultAuthMethodRequiresItsOwnVariables() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config",
                c -> at(c, "/data").put("VAULT_AUTH", "approle"));

        assertRejected(report, ServiceVariablesRule.ID, PRODUCER, "Deployment/producer",
                "producer reads VAULT_ROLE_ID (or VAULT_ROLE_ID_FILE), required when VAULT_AUTH=approle, and it is not set");
    }

    @Test
    void withoutDynamicRabbitmqCredentialsAUsernameIsRequired() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config",
                c -> at(c, "/data").remove("VAULT_RABBITMQ_ROLE"));

        assertRejected(report, ServiceVariablesRule.ID, PRODUCER, "Deployment/producer",
                "producer reads RABBITMQ_USERNAME (or RABBITMQ_USERNAME_FILE), required unless VAULT_RABBITMQ_ROLE is set");
    }

    @Test
    void aFileVariantSatisfiesTheVariable() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config", c -> at(c, "/data")
                .put("VAULT_AUTH", "token").put("VAULT_TOKEN_FILE", "/var/run/secrets/vault/token"));

        assertThat(report.violations()).noneMatch(v -> v.rule().equals(ServiceVariablesRule.ID));
    }

    @Test
    void theDatabaseUrlIsRequiredInEveryOverlay() {
        Report report = Broken.check("overlays/prod", "ConfigMap", "consumer-config", c -> at(c, "/data").remove("DATABASE_URL"));

        assertRejected(report, ServiceVariablesRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                "consumer reads DATABASE_URL, required always, and it is not set");
    }

    @Test
    void theProducersPublishModeIsSetAndTheConsumerHasNone() {
        Report withoutMode = Broken.check("overlays/dev", "ConfigMap", "producer-config", c -> at(c, "/data").remove("PUBLISH_MODE"));
        Report onConsumer = Broken.check("overlays/dev", "ConfigMap", "consumer-config", c -> at(c, "/data").put("PUBLISH_MODE", "outbox"));

        assertRejected(withoutMode, ServiceVariablesRule.ID, PRODUCER, "Deployment/producer",
                "producer reads PUBLISH_MODE, required always, and it is not set");
        assertRejected(onConsumer, ServiceVariablesRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                "sets PUBLISH_MODE, which consumer does not read");
    }

    @Test
    void withoutVaultTheDatabaseCredentialsAreRequired() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "consumer-config", c -> at(c, "/data").remove("VAULT_ADDR"));

        assertRejected(report, ServiceVariablesRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                "consumer reads DATABASE_PASSWORD (or DATABASE_PASSWORD_FILE), required unless VAULT_ADDR is set, and it is not set");
    }

    @Test
    void aServiceWithoutDeploymentIsRejected() {
        Report report = Broken.checkWithout("overlays/prod", "Deployment", "consumer");

        assertRejected(report, ServiceVariablesRule.ID, "overlays/prod/kustomization.yaml", "Deployment/consumer",
                "no Deployment with pod label app.kubernetes.io/name=consumer");
    }

    @Test
    void anEnvFromConfigMapMissingFromTheOverlayIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "producer",
                d -> at(d, "/spec/template/spec/containers/0/envFrom/0/configMapRef").put("name", "producer-settings"));

        assertRejected(report, ServiceVariablesRule.ID, PRODUCER, "Deployment/producer",
                "envFrom names ConfigMap producer-settings, which is not in the rendered overlay");
    }
}
