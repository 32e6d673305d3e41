package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;
import static io.github.microkit.manifests.Broken.container;
import static io.github.microkit.manifests.Broken.env;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The "must show": what the setup writes (the shared vault-setup.sh, run with the Job's settings
 * against a recording Vault) matches what the services expect, and a mismatch on either side fails.
 */
class VaultSetupRuleTest {
    private static final String PRODUCER = "base/producer/deployment.yaml";
    private static final String CONSUMER = "base/consumer/deployment.yaml";
    private static final String JOB = "overlays/dev/vault/setup-job.yaml";

    @Test
    void theScriptIsActuallyRunAndItsWritesAreCompared() {
        // Proof that the passing overlays passed on content: a service whose role the script writes
        // under another name is caught, with the names the script did write in the message.
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config",
                c -> at(c, "/data").put("VAULT_K8S_ROLE", "orders-producer"));

        assertRejected(report, VaultSetupRule.ID, PRODUCER, "Deployment/producer",
                "VAULT_K8S_ROLE=orders-producer, but vault-setup.sh (settings from Job/vault-setup) writes Kubernetes roles [producer, consumer]"
                        + " [VAULT_K8S_ROLE set in ConfigMap/producer-config-");
    }

    @Test
    void aRabbitmqRoleTheScriptDoesNotWriteIsRejected() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "consumer-config",
                c -> at(c, "/data").put("VAULT_RABBITMQ_ROLE", "administrator"));

        assertRejected(report, VaultSetupRule.ID, CONSUMER, "Deployment/consumer",
                "VAULT_RABBITMQ_ROLE=administrator, but vault-setup.sh (settings from Job/vault-setup) writes RabbitMQ roles [producer, consumer]");
        assertRejected(report, VaultSetupRule.ID, CONSUMER, "Deployment/consumer",
                "reads rabbitmq/creds/administrator (VAULT_RABBITMQ_ROLE), but no policy [microkit-consumer]");
    }

    @Test
    void aKvPathTheScriptDoesNotWriteIsRejected() {
        Report report = Broken.check("overlays/prod", "ConfigMap", "producer-config",
                c -> at(c, "/data").put("VAULT_KV_PATH", "orders/producer"));

        assertRejected(report, VaultSetupRule.ID, PRODUCER, "Deployment/producer",
                "VAULT_KV_PATH=orders/producer, but vault-setup.sh (settings from ConfigMap/vault-setup-config");
        assertRejected(report, VaultSetupRule.ID, PRODUCER, "Deployment/producer",
                "reads secret/data/orders/producer (VAULT_KV_MOUNT/VAULT_KV_PATH), but no policy [microkit-producer]");
    }

    @Test
    void databaseCredentialsTheScriptDoesNotPutIntoTheKvSecretAreRejected() {
        Report report = Broken.check("overlays/prod", "ConfigMap", "vault-setup-config", c -> at(c, "/data")
                .without(java.util.List.of("CONSUMER_DATABASE_USERNAME", "CONSUMER_DATABASE_PASSWORD_FILE")));

        assertRejected(report, VaultSetupRule.ID, CONSUMER, "Deployment/consumer",
                "reads its database credentials from secret/data/microkit/consumer (DATABASE_USERNAME is not set), but "
                        + "vault-setup.sh (settings from ConfigMap/vault-setup-config-");
        assertRejected(report, VaultSetupRule.ID, CONSUMER, "Deployment/consumer",
                "writes no database.username, database.password there: give it CONSUMER_DATABASE_USERNAME and "
                        + "CONSUMER_DATABASE_PASSWORD (or CONSUMER_DATABASE_PASSWORD_FILE)");
    }

    @Test
    void aDatabaseUsernameWithoutItsPasswordStopsTheScript() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "vault-setup-config",
                c -> at(c, "/data").put("PRODUCER_DATABASE_USERNAME", "orders_producer").remove("CONSUMER_DATABASE_USERNAME"));

        assertRejected(report, VaultSetupRule.ID, JOB, "Job/vault-setup", "vault-setup.sh failed (exit 1) with these settings: ");
        assertRejected(report, VaultSetupRule.ID, JOB, "Job/vault-setup", "[vault-setup] consumer: set both "
                + "CONSUMER_DATABASE_USERNAME and CONSUMER_DATABASE_PASSWORD (or CONSUMER_DATABASE_PASSWORD_FILE)");
    }

    @Test
    void aServiceWithItsOwnDatabaseCredentialsNeedsNoneInVault() {
        Report report = Broken.check("overlays/prod", "Deployment", "consumer", d -> {
            env(container(d), "DATABASE_USERNAME").put("value", "orders_consumer");
            env(container(d), "DATABASE_PASSWORD_FILE").put("value", "/var/run/secrets/database/password");
        });
        Report withoutVaultKeys = Broken.check("overlays/prod", "ConfigMap", "vault-setup-config", c -> at(c, "/data")
                .without(java.util.List.of("CONSUMER_DATABASE_USERNAME", "CONSUMER_DATABASE_PASSWORD_FILE")));

        assertThat(report.violations()).as(report.format()).isEmpty();
        assertThat(withoutVaultKeys.violations()).anyMatch(v -> v.rule().equals(VaultSetupRule.ID));
    }

    @Test
    void aKvMountThatIsNotTheScriptsKvV2EngineIsRejected() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config",
                c -> at(c, "/data").put("VAULT_KV_MOUNT", "kv"));

        assertRejected(report, VaultSetupRule.ID, PRODUCER, "Deployment/producer",
                "VAULT_KV_MOUNT=kv, but vault-setup.sh (settings from Job/vault-setup) mounts no KV v2 engine there");
    }

    @Test
    void aServiceAccountTheRoleIsNotBoundToIsRejected() {
        Report report = Broken.check("overlays/dev", "Deployment", "consumer",
                d -> at(d, "/spec/template/spec").put("serviceAccountName", "vault-setup"));

        assertRejected(report, VaultSetupRule.ID, CONSUMER, "Deployment/consumer",
                "runs as service account vault-setup, but Vault's Kubernetes role consumer is bound to [consumer]");
    }

    @Test
    void aJobBindingTheRolesToAnotherNamespaceIsRejected() {
        Report report = Broken.check("overlays/dev", "Job", "vault-setup", j -> {
            container(j).set("env", container(j).get("env").deepCopy());
            env(container(j), "K8S_NAMESPACE").remove("valueFrom");
            env(container(j), "K8S_NAMESPACE").put("value", "default");
        });

        assertRejected(report, VaultSetupRule.ID, PRODUCER, "Deployment/producer",
                "runs in namespace microkit, but Vault's Kubernetes role producer is bound to namespaces [default]");
    }

    @Test
    void aJobThatEnablesOnlyAppRoleLeavesTheServicesWithoutKubernetesAuth() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "vault-setup-config",
                c -> at(c, "/data").put("VAULT_AUTH_METHODS", "approle"));

        assertRejected(report, VaultSetupRule.ID, PRODUCER, "Deployment/producer",
                "VAULT_AUTH=kubernetes, but vault-setup.sh (settings from Job/vault-setup) does not enable the kubernetes auth method");
    }

    @Test
    void aJobSettingAVariableTheScriptDoesNotReadIsRejected() {
        Report report = Broken.check("overlays/dev", "Job", "vault-setup",
                j -> env(container(j), "RABBITMQ_MANAGEMENT_URI").put("value", "http://rabbitmq:15672"));

        assertRejected(report, VaultSetupRule.ID, JOB, "Job/vault-setup",
                "sets RABBITMQ_MANAGEMENT_URI, which vault-setup.sh does not read");
    }

    @Test
    void aJobWithoutTheAdminTokenIsRejected() {
        Report report = Broken.check("overlays/dev", "Job", "vault-setup", j -> {
            var env = Broken.array(j, "/spec/template/spec/containers/0/env");
            for (int i = env.size() - 1; i >= 0; i--) {
                if (env.get(i).path("name").asText().equals("VAULT_TOKEN")) {
                    env.remove(i);
                }
            }
        });

        assertRejected(report, VaultSetupRule.ID, JOB, "Job/vault-setup", "does not set VAULT_TOKEN");
        assertRejected(report, VaultSetupRule.ID, JOB, "Job/vault-setup", "VAULT_TOKEN must be set");
    }

    @Test
    void aJobThatDoesNotRunTheMountedScriptIsRejected() {
        Report report = Broken.check("overlays/dev", "Job", "vault-setup",
                j -> container(j).putArray("command").add("bash").add("/opt/vault-setup/setup.sh"));

        assertRejected(report, VaultSetupRule.ID, JOB, "Job/vault-setup",
                "does not run the mounted /opt/vault-setup/vault-setup.sh");
    }

    @Test
    void aPolicyInTheScriptThatNoLongerGrantsTheCredentialsIsRejected() {
        // The script is read from the ConfigMap the Job mounts: a change to it is checked too.
        Report report = Broken.check("overlays/dev", "ConfigMap", "vault-setup-script", c -> {
            String script = c.path("data").path(VaultSetupRule.SCRIPT_KEY).asText();
            assertThat(script).contains("path \"rabbitmq/creds/$service\"");
            at(c, "/data").put(VaultSetupRule.SCRIPT_KEY,
                    script.replace("path \"rabbitmq/creds/$service\"", "path \"rabbitmq/roles/$service\""));
        });

        assertRejected(report, VaultSetupRule.ID, PRODUCER, "Deployment/producer",
                "reads rabbitmq/creds/producer (VAULT_RABBITMQ_ROLE), but no policy [microkit-producer]");
    }

    @Test
    void aServiceWhoseTokenIsNotMountedIsRejected() {
        Report report = Broken.check("overlays/prod", "Deployment", "producer",
                d -> at(d, "/spec/template/spec").put("automountServiceAccountToken", false));

        assertRejected(report, VaultSetupRule.ID, PRODUCER, "Deployment/producer",
                "VAULT_K8S_TOKEN_FILE=/var/run/secrets/kubernetes.io/serviceaccount/token is not mounted");
    }

    @Test
    void anotherVaultThanTheOneSetUpIsRejected() {
        Report report = Broken.check("overlays/prod", "ConfigMap", "consumer-config",
                c -> at(c, "/data").put("VAULT_ADDR", "https://vault-staging.example.com:8200"));

        assertRejected(report, VaultSetupRule.ID, "base/consumer/deployment.yaml", "Deployment/consumer",
                "VAULT_ADDR https://vault-staging.example.com:8200 is not the Vault");
    }

    @Test
    void servicesUsingVaultWithoutAnySetupAreRejected() {
        Report report = Broken.checkWithout("overlays/prod", "ConfigMap", "vault-setup-config");

        assertRejected(report, VaultSetupRule.ID, "overlays/prod/kustomization.yaml", "Job/vault-setup",
                "the services use Vault but the overlay has no setup");
    }
}
