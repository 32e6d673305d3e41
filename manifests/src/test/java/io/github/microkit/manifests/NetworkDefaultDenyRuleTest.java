package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.array;
import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;

import org.junit.jupiter.api.Test;

class NetworkDefaultDenyRuleTest {

    @Test
    void aNamespaceWithoutDefaultDenyIsRejected() {
        Report report = Broken.checkWithout("overlays/dev", "NetworkPolicy", "default-deny-all");

        assertRejected(report, NetworkDefaultDenyRule.ID, "base/namespace.yaml", "Namespace/microkit",
                "namespace microkit has no default-deny NetworkPolicy");
    }

    @Test
    void aDefaultDenyOfIngressOnlyIsRejected() {
        // egress left open: a compromised pod could reach anything
        Report report = Broken.check("overlays/prod", "NetworkPolicy", "default-deny-all", n -> {
            array(n, "/spec/policyTypes").removeAll();
            array(n, "/spec/policyTypes").add("Ingress");
        });

        assertRejected(report, NetworkDefaultDenyRule.ID, "base/namespace.yaml", "Namespace/microkit",
                "has no default-deny NetworkPolicy");
    }

    @Test
    void aDefaultDenyWithAnAllowRuleIsNoDefaultDeny() {
        Report report = Broken.check("overlays/dev", "NetworkPolicy", "default-deny-all",
                n -> at(n, "/spec").putArray("ingress").addObject());

        assertRejected(report, NetworkDefaultDenyRule.ID, "base/namespace.yaml", "Namespace/microkit",
                "has no default-deny NetworkPolicy");
    }
}
