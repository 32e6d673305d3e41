package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.array;
import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Durable state only holds when every replica shares one PostgreSQL database, and the database is
 * reachable by exactly the services that use it.
 */
class DatabaseRuleTest {
    private static final String PRODUCER = "base/producer/deployment.yaml";
    private static final String CONSUMER = "base/consumer/deployment.yaml";
    private static final String POSTGRES_POLICY = "overlays/dev/postgres/network-policy.yaml";
    private static final String POSTGRES = "overlays/dev/postgres/statefulset.yaml";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "jdbc:h2:file:./data/orders;MODE=PostgreSQL          | is an H2 database inside the pod",
            "jdbc:mysql://mysql:3306/orders_consumer              | is not a PostgreSQL JDBC URL",
            "postgres://postgres:5432/orders_consumer             | is not a PostgreSQL JDBC URL"})
    void aDatabaseUrlThatIsNotASharedPostgresqlIsRejected(String url, String message) {
        Report report = Broken.check("overlays/dev", "ConfigMap", "consumer-config", c -> at(c, "/data").put("DATABASE_URL", url));

        assertRejected(report, DatabaseRule.ID, CONSUMER, "Deployment/consumer", "DATABASE_URL " + url + " [DATABASE_URL set in ConfigMap/consumer-config-");
        assertRejected(report, DatabaseRule.ID, CONSUMER, "Deployment/consumer", message);
    }

    @Test
    void aPortTheDatabaseServiceDoesNotHaveIsRejected() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config",
                c -> at(c, "/data").put("DATABASE_URL", "jdbc:postgresql://postgres:5433/orders_producer"));

        assertRejected(report, DatabaseRule.ID, PRODUCER, "Deployment/producer", "port 5433 is not a port of Service/postgres");
    }

    @Test
    void aDatabaseThatIsNotAStatefulSetIsRejected() {
        Report report = Broken.check("overlays/dev", "StatefulSet", "postgres", s -> s.put("kind", "Deployment"));

        assertRejected(report, DatabaseRule.ID, POSTGRES, "Deployment/postgres",
                ": run it as a StatefulSet, whose pods keep their persistent volume");
    }

    @Test
    void aDatabaseOpenToAnotherPodIsRejected() {
        Report report = Broken.check("overlays/dev", "NetworkPolicy", "postgres-ingress", p -> array(p, "/spec/ingress/0/from")
                .addObject().putObject("podSelector").putObject("matchLabels").put("app.kubernetes.io/name", "vault"));

        assertRejected(report, DatabaseRule.ID, POSTGRES_POLICY, "NetworkPolicy/postgres-ingress",
                "admits Deployment/vault to the database StatefulSet/postgres on port 5432, which does not use it");
    }

    @Test
    void aDatabaseOpenToEverySourceIsRejected() {
        Report report = Broken.check("overlays/dev", "NetworkPolicy", "postgres-ingress", p -> at(p, "/spec/ingress/0").remove("from"));

        assertRejected(report, DatabaseRule.ID, POSTGRES_POLICY, "NetworkPolicy/postgres-ingress",
                "admits every source to the database StatefulSet/postgres on port 5432");
    }

    @Test
    void aDatabaseOpenToAnotherNamespaceIsRejected() {
        Report report = Broken.check("overlays/dev", "NetworkPolicy", "postgres-ingress", p -> {
            ObjectNode peer = (ObjectNode) array(p, "/spec/ingress/0/from").get(0);
            peer.putObject("namespaceSelector").putObject("matchLabels").put("kubernetes.io/metadata.name", "reporting");
        });

        assertRejected(report, DatabaseRule.ID, POSTGRES_POLICY, "NetworkPolicy/postgres-ingress",
                "admits another namespace to the database StatefulSet/postgres on port 5432");
    }

    @Test
    void aServiceTheDatabaseDoesNotAdmitIsRejected() {
        Report report = Broken.check("overlays/dev", "NetworkPolicy", "postgres-ingress",
                p -> array(p, "/spec/ingress/0/from/0/podSelector/matchExpressions/0/values").remove(1));

        assertRejected(report, DatabaseRule.ID, CONSUMER, "Deployment/consumer",
                "cannot reach its database: no ingress rule of the NetworkPolicies of StatefulSet/postgres admits it on port 5432");
    }

    @Test
    void aServiceWhoseEgressDoesNotReachTheDatabaseIsRejected() {
        Report report = Broken.checkWithout("overlays/dev", "NetworkPolicy", "services-to-postgres");

        assertRejected(report, DatabaseRule.ID, PRODUCER, "Deployment/producer",
                "no NetworkPolicy lets it reach its database on port 5432 (the pods of StatefulSet/postgres)");
    }

    @Test
    void withAnExternalDatabaseTheEgressNeedsAnIpBlockOnItsPort() {
        Report report = Broken.checkWithout("overlays/prod", "NetworkPolicy", "services-to-postgres");

        assertRejected(report, DatabaseRule.ID, CONSUMER, "Deployment/consumer",
                "no NetworkPolicy lets it reach its database on port 5432 (an egress rule with an ipBlock for the external server)");
    }
}
