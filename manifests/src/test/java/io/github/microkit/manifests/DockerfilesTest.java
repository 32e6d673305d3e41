package io.github.microkit.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The samples' Dockerfiles (not built here: no Docker engine) agree with the manifests: a JRE base
 * pinned by the same policy as the manifests' images, the non-root uid the pods run as, only the
 * jar, and the port the probes use.
 */
class DockerfilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"producer", "consumer"})
    void theDockerfileRunsOnlyTheJarAsTheUidThePodRunsAs(String service) throws IOException {
        Path dockerfile = Manifests.root().resolveSibling("sample-" + service).resolve("Dockerfile");
        List<String> instructions = Files.readAllLines(dockerfile).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        var deployment = Broken.find(Broken.rendered("overlays/dev"), "Deployment", service).node();
        var config = Broken.find(Broken.rendered("overlays/dev"), "ConfigMap", service + "-config").node();

        List<String> from = instructions.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(from).hasSize(1);
        String base = from.get(0).substring("FROM ".length()).strip();
        assertThat(base).startsWith("eclipse-temurin:17.");
        assertThat(ImagePinnedRule.problem(base)).isEmpty();

        String uid = deployment.at("/spec/template/spec/securityContext/runAsUser").asText();
        assertThat(instructions).filteredOn(l -> l.startsWith("USER ")).containsExactly("USER " + uid + ":" + uid);
        assertThat(uid).isNotEqualTo("0");

        assertThat(instructions).filteredOn(l -> l.startsWith("COPY ") || l.startsWith("ADD "))
                .singleElement().asString()
                .startsWith("COPY ").endsWith("target/sample-" + service + ".jar /app/sample-" + service + ".jar");
        assertThat(instructions).filteredOn(l -> l.startsWith("ENTRYPOINT ")).singleElement().asString()
                .contains("\"-jar\", \"/app/sample-" + service + ".jar\"]");

        assertThat(instructions).contains("EXPOSE " + config.at("/data/HTTP_PORT").asText());
    }
}
