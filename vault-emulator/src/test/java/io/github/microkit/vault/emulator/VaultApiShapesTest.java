package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.microkit.vault.emulator.VaultHttp.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The wire format of each endpoint, as Vault's API documentation shows it. */
class VaultApiShapesTest {

    static final List<String> ENVELOPE = List.of("request_id", "lease_id", "renewable", "lease_duration", "data",
            "wrap_info", "warnings", "auth", "mount_type");

    VaultEmulator emulator;
    VaultHttp http;
    String root;

    @BeforeEach
    void start() {
        emulator = VaultEmulator.builder().port(0).clock(VaultHttp.frozenClock()).start();
        http = new VaultHttp(emulator.address());
        root = emulator.rootToken();
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    static void assertEnvelope(Reply r, String mountType) {
        assertThat(r.contentType()).contains("application/json");
        assertThat(fieldNames(r.json())).containsAll(ENVELOPE);
        assertThat(r.json().get("request_id").asText()).matches("[0-9a-f-]{36}");
        assertThat(r.json().get("mount_type").asText()).isEqualTo(mountType);
        assertThat(r.json().get("wrap_info").isNull()).isTrue();
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void healthAnswers200ActiveThen429StandbyThen503SealedAndTheQueryParametersChangeTheCodes() {
        Reply active = http.get("sys/health", null);
        emulator.standby(true);
        Reply standby = http.get("sys/health", null);
        Reply standbyOk = http.get("sys/health?standbyok=true", null);
        emulator.standby(false);
        emulator.seal();
        Reply sealed = http.get("sys/health", null);
        Reply sealedCode = http.get("sys/health?sealedcode=200", null);
        Reply head = http.send("HEAD", "sys/health", null, null, Map.of());
        Reply bad = http.get("sys/health?activecode=abc", null);

        assertThat(active.status()).isEqualTo(200);
        assertThat(fieldNames(active.json())).contains("initialized", "sealed", "standby", "performance_standby",
                "replication_performance_mode", "replication_dr_mode", "server_time_utc", "version", "cluster_name",
                "cluster_id");
        assertThat(standby.status()).isEqualTo(429);
        assertThat(standby.json().get("standby").asBoolean()).isTrue();
        assertThat(standbyOk.status()).isEqualTo(200);
        assertThat(sealed.status()).isEqualTo(503);
        assertThat(sealed.json().get("sealed").asBoolean()).isTrue();
        assertThat(sealedCode.status()).isEqualTo(200);
        assertThat(head.status()).isEqualTo(503);
        assertThat(head.text()).isEmpty();
        assertThat(bad.status()).isEqualTo(400);
    }

    @Test
    void sealedVaultAnswersEveryOtherRequestWith503AndVaultsErrorShape() {
        emulator.seal();

        Reply r = http.get("secret/data/anything", root);
        Reply status = http.get("sys/seal-status", null);

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().get("errors")).hasSize(1);
        assertThat(r.json().at("/errors/0").asText()).isEqualTo("Vault is sealed");
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.json().get("sealed").asBoolean()).isTrue();
        assertThat(status.json().get("type").asText()).isEqualTo("shamir");
    }

    @Test
    void sealThroughTheApiNeedsSudoAndSeals() {
        String token = http.tokenWith(root, "nothing");

        Reply denied = http.put("sys/seal", token, null);
        Reply sealed = http.put("sys/seal", root, null);

        assertThat(denied.status()).isEqualTo(403);
        assertThat(sealed.status()).isEqualTo(204);
        assertThat(emulator.isSealed()).isTrue();
    }

    @Test
    void kvV2WriteAndReadCarryTheDocumentedDataAndMetadata() {
        Reply write = http.post("secret/data/shapes/app", root, Map.of("data", Map.of("user", "app", "port", 5432)));
        Reply read = http.get("secret/data/shapes/app", root);

        assertThat(write.status()).isEqualTo(200);
        assertEnvelope(write, "kv");
        assertThat(fieldNames(write.json().get("data")))
                .containsExactly("created_time", "custom_metadata", "deletion_time", "destroyed", "version");
        assertThat(write.json().at("/data/created_time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z");
        assertThat(write.json().at("/data/deletion_time").asText()).isEmpty();
        assertThat(write.json().at("/data/version").asInt()).isEqualTo(1);
        assertEnvelope(read, "kv");
        assertThat(read.json().at("/data/data/user").asText()).isEqualTo("app");
        assertThat(read.json().at("/data/data/port").asInt()).isEqualTo(5432);
        assertThat(fieldNames(read.json().at("/data/metadata")))
                .containsExactly("created_time", "custom_metadata", "deletion_time", "destroyed", "version");
        assertThat(read.json().get("lease_duration").asLong()).isZero();
    }

    @Test
    void kvV2DeletedLatestVersionAnswers404WithItsMetadataAndMissingPathsAnswerEmptyErrors() {
        http.post("secret/data/shapes/gone", root, Map.of("data", Map.of("k", "v")));

        Reply delete = http.delete("secret/data/shapes/gone", root);
        Reply read = http.get("secret/data/shapes/gone", root);
        Reply missing = http.get("secret/data/shapes/never", root);

        assertThat(delete.status()).isEqualTo(204);
        assertThat(read.status()).isEqualTo(404);
        assertThat(read.json().at("/data/data").isNull()).isTrue();
        assertThat(read.json().at("/data/metadata/deletion_time").asText()).isNotEmpty();
        assertThat(read.json().at("/data/metadata/version").asInt()).isEqualTo(1);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("errors")).isEmpty();
    }

    @Test
    void kvV2MetadataListsVersionsAndSettingsAndListShowsKeys() {
        http.post("secret/data/shapes/meta", root, Map.of("data", Map.of("k", "1")));
        http.post("secret/data/shapes/meta", root, Map.of("data", Map.of("k", "2")));
        http.post("secret/data/shapes/sub/leaf", root, Map.of("data", Map.of("k", "x")));
        Reply settings = http.post("secret/metadata/shapes/meta", root,
                Map.of("max_versions", 5, "cas_required", true, "custom_metadata", Map.of("owner", "team-a")));

        Reply meta = http.get("secret/metadata/shapes/meta", root);
        Reply list = http.list("secret/metadata/shapes", root);
        Reply listByQuery = http.get("secret/metadata/shapes/?list=true", root);
        Reply noCas = http.post("secret/data/shapes/meta", root, Map.of("data", Map.of("k", "3")));

        assertThat(settings.status()).isEqualTo(204);
        assertThat(fieldNames(meta.json().get("data"))).contains("cas_required", "created_time", "current_version",
                "custom_metadata", "delete_version_after", "max_versions", "oldest_version", "updated_time", "versions");
        assertThat(meta.json().at("/data/current_version").asInt()).isEqualTo(2);
        assertThat(meta.json().at("/data/max_versions").asInt()).isEqualTo(5);
        assertThat(meta.json().at("/data/custom_metadata/owner").asText()).isEqualTo("team-a");
        assertThat(meta.json().at("/data/delete_version_after").asText()).isEqualTo("0s");
        assertThat(fieldNames(meta.json().at("/data/versions"))).containsExactly("1", "2");
        assertThat(fieldNames(meta.json().at("/data/versions/1"))).containsExactly("created_time", "deletion_time", "destroyed");
        assertThat(list.json().at("/data/keys")).extracting(JsonNode::asText).containsExactly("meta", "sub/");
        assertThat(listByQuery.json().at("/data/keys")).extracting(JsonNode::asText).containsExactly("meta", "sub/");
        assertThat(noCas.status()).isEqualTo(400);
        assertThat(noCas.json().at("/errors/0").asText()).isEqualTo("check-and-set parameter required for this call");
    }

    @Test
    void kvV2KeepsOnlyMaxVersionsAndDeleteVersionAfterRunsOnTheClock() {
        http.post("secret/metadata/shapes/short", root, Map.of("max_versions", 2, "delete_version_after", "1h"));
        for (int i = 1; i <= 3; i++) {
            http.post("secret/data/shapes/short", root, Map.of("data", Map.of("k", "v" + i)));
        }

        Reply meta = http.get("secret/metadata/shapes/short", root);
        Reply before = http.get("secret/data/shapes/short", root);
        emulator.clock().advance(Duration.ofMinutes(61));
        Reply after = http.get("secret/data/shapes/short", root);

        assertThat(meta.json().at("/data/oldest_version").asInt()).isEqualTo(2);
        assertThat(fieldNames(meta.json().at("/data/versions"))).containsExactly("2", "3");
        assertThat(before.status()).isEqualTo(200);
        assertThat(after.status()).isEqualTo(404);
    }

    @Test
    void tokenCreateAndLookupSelfCarryTheDocumentedFields() {
        Reply create = http.post("auth/token/create", root,
                Map.of("policies", List.of("app"), "ttl", "1h", "meta", Map.of("team", "a"), "display_name", "App"));
        String token = create.json().at("/auth/client_token").asText();
        Reply self = http.get("auth/token/lookup-self", token);
        Reply renew = http.post("auth/token/renew-self", token, Map.of("increment", "30m"));
        Reply revoke = http.post("auth/token/revoke-self", token, null);
        Reply after = http.get("auth/token/lookup-self", token);

        assertEnvelope(create, "token");
        assertThat(create.json().get("data").isNull()).isTrue();
        assertThat(fieldNames(create.json().get("auth"))).contains("client_token", "accessor", "policies",
                "token_policies", "metadata", "lease_duration", "renewable", "entity_id", "token_type", "orphan");
        assertThat(create.json().at("/auth/lease_duration").asLong()).isEqualTo(3600);
        assertThat(create.json().at("/auth/metadata/team").asText()).isEqualTo("a");
        assertThat(token).startsWith("hvs.");
        assertEnvelope(self, "token");
        assertThat(fieldNames(self.json().get("data"))).contains("accessor", "creation_time", "creation_ttl",
                "display_name", "entity_id", "expire_time", "explicit_max_ttl", "id", "issue_time", "meta", "num_uses",
                "orphan", "path", "policies", "renewable", "ttl", "type");
        assertThat(self.json().at("/data/display_name").asText()).isEqualTo("token-app");
        assertThat(self.json().at("/data/path").asText()).isEqualTo("auth/token/create");
        assertThat(self.json().at("/data/orphan").asBoolean()).isFalse();
        assertThat(renew.json().at("/auth/lease_duration").asLong()).isEqualTo(1800);
        assertThat(revoke.status()).isEqualTo(204);
        assertThat(after.status()).isEqualTo(403);
        assertThat(after.json().at("/errors/0").asText()).isEqualTo(ApiError.PERMISSION_DENIED);
    }

    @Test
    void renewingBeyondTheMaxTtlIsCappedWithVaultsWarning() {
        String token = http.post("auth/token/create", root, Map.of("ttl", "10m", "explicit_max_ttl", "15m"))
                .json().at("/auth/client_token").asText();

        Reply renew = http.post("auth/token/renew-self", token, Map.of("increment", "1h"));
        Reply notRenewable = http.post("auth/token/renew-self",
                http.post("auth/token/create", root, Map.of("renewable", false)).json().at("/auth/client_token").asText(),
                Map.of());

        assertThat(renew.json().at("/auth/lease_duration").asLong()).isEqualTo(900);
        assertThat(renew.json().at("/warnings/0").asText()).contains("exceeded the effective max_ttl");
        assertThat(notRenewable.status()).isEqualTo(400);
        assertThat(notRenewable.json().at("/errors/0").asText()).isEqualTo("lease is not renewable");
    }

    @Test
    void revokingAParentTokenRevokesItsChildren() {
        http.policy(root, "p", "path \"auth/token/create\" { capabilities = [\"update\"] }");
        String parent = http.tokenWith(root, "p");
        String child = http.post("auth/token/create", parent, Map.of()).json().at("/auth/client_token").asText();
        assertThat(http.get("auth/token/lookup-self", child).status()).isEqualTo(200);

        http.post("auth/token/revoke", root, Map.of("token", parent));

        assertThat(http.get("auth/token/lookup-self", child).status()).isEqualTo(403);
    }

    @Test
    void tokensCanBeLookedUpRenewedAndRevokedByAccessorWithoutShowingTheirId() {
        Reply create = http.post("auth/token/create", root, Map.of("policies", List.of("app"), "ttl", "10m"));
        String token = create.json().at("/auth/client_token").asText();
        String accessor = create.json().at("/auth/accessor").asText();

        Reply lookup = http.post("auth/token/lookup-accessor", root, Map.of("accessor", accessor));
        Reply renew = http.post("auth/token/renew-accessor", root, Map.of("accessor", accessor, "increment", "20m"));
        Reply revoke = http.post("auth/token/revoke-accessor", root, Map.of("accessor", accessor));

        assertThat(lookup.json().at("/data/id").asText()).isEmpty();
        assertThat(lookup.json().at("/data/policies")).extracting(JsonNode::asText).containsExactly("app", "default");
        assertThat(renew.json().at("/auth/lease_duration").asLong()).isEqualTo(1200);
        assertThat(revoke.status()).isEqualTo(204);
        assertThat(http.get("auth/token/lookup-self", token).status()).isEqualTo(403);
    }

    @Test
    void childTokensMayNotGainPoliciesTheirParentLacks() {
        http.policy(root, "p", "path \"auth/token/create\" { capabilities = [\"update\"] }");
        String parent = http.tokenWith(root, "p");

        Reply r = http.post("auth/token/create", parent, Map.of("policies", List.of("p", "admin")));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/errors/0").asText()).isEqualTo("child policies must be subset of parent");
    }

    @Test
    void appRoleRoleIdSecretIdAndLoginCarryTheDocumentedFields() {
        http.post("sys/auth/approle", root, Map.of("type", "approle"));
        http.post("auth/approle/role/app", root, Map.of("token_policies", List.of("app"), "token_ttl", "20m",
                "secret_id_num_uses", 1));

        Reply role = http.get("auth/approle/role/app", root);
        Reply roleId = http.get("auth/approle/role/app/role-id", root);
        Reply secretId = http.post("auth/approle/role/app/secret-id", root, Map.of());
        Map<String, String> creds = Map.of("role_id", roleId.json().at("/data/role_id").asText(),
                "secret_id", secretId.json().at("/data/secret_id").asText());
        Reply login = http.post("auth/approle/login", null, creds);
        Reply reuse = http.post("auth/approle/login", null, creds);

        assertThat(role.json().at("/data/token_ttl").asLong()).isEqualTo(1200);
        assertThat(role.json().at("/data/token_policies/0").asText()).isEqualTo("app");
        assertThat(fieldNames(secretId.json().get("data")))
                .contains("secret_id", "secret_id_accessor", "secret_id_ttl", "secret_id_num_uses");
        assertEnvelope(login, "approle");
        assertThat(login.json().at("/auth/metadata/role_name").asText()).isEqualTo("app");
        assertThat(login.json().at("/auth/lease_duration").asLong()).isEqualTo(1200);
        assertThat(login.json().at("/auth/policies")).extracting(JsonNode::asText).containsExactly("app", "default");
        assertThat(reuse.status()).isEqualTo(400); // secret_id_num_uses 1: used up
        assertThat(reuse.json().at("/errors/0").asText()).isEqualTo("invalid role or secret ID");
    }

    @Test
    void mountsAuthAndAuditListingsAndAlreadyInUseErrorsLookLikeVaults() {
        Reply again = http.post("sys/mounts/secret", root, Map.of("type", "kv", "options", Map.of("version", "2")));
        Reply rabbit = http.post("sys/mounts/rabbitmq", root, Map.of("type", "rabbitmq"));
        Reply unknown = http.post("sys/mounts/db", root, Map.of("type", "database"));
        Reply mounts = http.get("sys/mounts", root);
        Reply auth = http.get("sys/auth", root);

        assertThat(again.status()).isEqualTo(400);
        assertThat(again.json().at("/errors/0").asText()).isEqualTo("path is already in use at secret/");
        assertThat(rabbit.status()).isEqualTo(204);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(mounts.json().at("/data/secret~1/type").asText()).isEqualTo("kv");
        assertThat(mounts.json().at("/data/secret~1/options/version").asText()).isEqualTo("2");
        assertThat(mounts.json().at("/secret~1/type").asText()).isEqualTo("kv");
        assertThat(mounts.json().at("/data/rabbitmq~1/type").asText()).isEqualTo("rabbitmq");
        assertThat(auth.json().at("/data/token~1/type").asText()).isEqualTo("token");
    }

    @Test
    void unknownRoutesAndUnsupportedPathsAnswer404WithVaultsMessages() {
        Reply noRoute = http.get("nowhere/at/all", root);
        Reply unsupported = http.get("secret/bogus/x", root);

        assertThat(noRoute.status()).isEqualTo(404);
        assertThat(noRoute.json().at("/errors/0").asText())
                .isEqualTo("no handler for route \"nowhere/at/all\". route entry not found.");
        assertThat(unsupported.status()).isEqualTo(404);
        assertThat(unsupported.json().at("/errors/0").asText()).contains("unsupported path");
    }

    @Test
    void invalidJsonIsA400ThatDoesNotEchoTheBody() {
        Reply r = http.send("POST", "secret/data/x", root, null, Map.of());
        Reply broken = sendRaw("{\"data\": {\"password\": \"hunter2\"");

        assertThat(r.status()).isEqualTo(400); // no data
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.text()).doesNotContain("hunter2");
    }

    private Reply sendRaw(String body) {
        try {
            var req = java.net.http.HttpRequest.newBuilder(emulator.address().resolve("/v1/secret/data/x"))
                    .header("X-Vault-Token", root).POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
            var res = java.net.http.HttpClient.newHttpClient().send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
            return new Reply(res.statusCode(), res.headers().firstValue("Content-Type"), res.body(),
                    VaultHttp.JSON.readTree(res.body()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void policiesAreReadWrittenListedAndBadHclIsRejected() {
        Reply write = http.put("sys/policies/acl/app", root, Map.of("policy", "path \"secret/data/app\" { capabilities = [\"read\"] }"));
        Reply read = http.get("sys/policies/acl/app", root);
        Reply list = http.list("sys/policies/acl", root);
        Reply bad = http.put("sys/policies/acl/bad", root, Map.of("policy", "path \"x\" { capabilities = [\"fly\"] }"));
        Reply missing = http.get("sys/policies/acl/none", root);

        assertThat(write.status()).isEqualTo(204);
        assertEnvelope(read, "system");
        assertThat(read.json().at("/data/name").asText()).isEqualTo("app");
        assertThat(read.json().at("/data/policy").asText()).contains("secret/data/app");
        assertThat(list.json().at("/data/keys")).extracting(JsonNode::asText).containsExactly("app", "default");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/errors/0").asText()).startsWith("failed to parse policy").contains("fly");
        assertThat(missing.status()).isEqualTo(404);
    }
}
