package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * What the Vault setup writes matches what the services expect. The rule runs the setup script itself
 * (bash, curl) against a {@link RecordingVault}, with the settings this overlay gives it: the setup
 * Job's environment (dev), or the vault-setup ConfigMap an administrator runs it with (prod). Then:
 * every setting is a variable the script reads; and for each service, the Vault address is the same,
 * its Kubernetes auth role exists and is bound to the pod's service account and namespace, that role's
 * policies exist and grant read on the service's KV v2 secret ({@code VAULT_KV_MOUNT}/data/
 * {@code VAULT_KV_PATH}) and RabbitMQ credentials ({@code rabbitmq/creds/VAULT_RABBITMQ_ROLE}), the
 * engines are mounted with the right type, the RabbitMQ role and the secret are written, the secret
 * holds {@code database.username} and {@code database.password} when the service takes its database
 * credentials from Vault (no {@code DATABASE_USERNAME} of its own), and the service account token the
 * service logs in with is mounted.
 */
final class VaultSetupRule implements Rule {
    static final String ID = "vault-setup";
    static final String SCRIPT_KEY = "vault-setup.sh";
    static final String REPOSITORY_SCRIPT = "overlays/dev/vault/vault-setup.sh";
    static final String SETUP_NAME = "vault-setup";
    private static final String PLACEHOLDER = "checker-placeholder";
    private static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount/";
    private static final Pattern READS = Pattern.compile("\\$\\{?!?([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern POLICY_PATH = Pattern.compile(
            "path\\s+\"([^\"]+)\"\\s*\\{[^}]*?capabilities\\s*=\\s*\\[([^\\]]*)\\]", Pattern.DOTALL);
    private static final long SCRIPT_TIMEOUT_SECONDS = 60;
    private static final List<String> PER_SERVICE_INPUTS = List.of("_SECRET_JSON", "_DATABASE_USERNAME",
            "_DATABASE_PASSWORD", "_DATABASE_PASSWORD_FILE");
    /** The keys of the KV secret the services read their database credentials from (with Vault). */
    static final List<String> DATABASE_KEYS = List.of("database.username", "database.password");
    /**
     * Runs by input: the script is deterministic in what it writes for the same text, settings and
     * files, and each run costs some thirty curl processes. Failed runs are not kept.
     */
    private static final Map<Setup.Key, VaultState> RUNS = new ConcurrentHashMap<>();

    @Override
    public String id() {
        return ID;
    }

    /** The script, its settings, and the object they came from. */
    private record Setup(ManifestObject object, String script, Map<String, Optional<String>> env,
                         Map<String, String> files) {
        record Key(String script, Map<String, Optional<String>> env, Map<String, String> files) {
        }

        Key key() {
            return new Key(script, Map.copyOf(env), Map.copyOf(files));
        }
    }

    @Override
    public void check(Context context) {
        List<PodTemplate> vaultUsers = new ArrayList<>();
        for (String service : context.variables.services()) {
            context.servicePods(service).stream()
                    .filter(p -> p.container(service).map(c -> env(context, p, c.node()).containsKey("VAULT_ADDR"))
                            .orElse(false))
                    .forEach(vaultUsers::add);
        }
        Optional<Setup> setup = findSetup(context);
        if (setup.isEmpty()) {
            if (!vaultUsers.isEmpty()) {
                context.violations.add(new Violation(context.overlay.kustomizationSource(), "Job/" + SETUP_NAME, ID,
                        "the services use Vault but the overlay has no setup: neither a Job nor a ConfigMap labelled "
                                + "app.kubernetes.io/name=" + SETUP_NAME));
            }
            return;
        }
        Setup s = setup.get();
        Set<String> read = readsOf(s.script());
        for (String name : s.env().keySet()) {
            // Per-service inputs (<SERVICE>_SECRET_JSON, <SERVICE>_DATABASE_USERNAME…): the script builds their names.
            boolean dynamic = PER_SERVICE_INPUTS.stream().anyMatch(suffix -> name.endsWith(suffix) && s.script().contains(suffix));
            if (!read.contains(name) && !dynamic) {
                context.report(s.object(), ID, "sets " + name + ", which vault-setup.sh does not read");
            }
        }
        for (String required : List.of("VAULT_ADDR", "VAULT_TOKEN")) {
            if (!s.env().containsKey(required) && s.object().kind().equals("Job")) {
                context.report(s.object(), ID, "does not set " + required + ", which vault-setup.sh requires");
            }
        }
        Optional<VaultState> state = run(context, s);
        if (state.isEmpty()) {
            return;
        }
        for (PodTemplate pod : vaultUsers) {
            String service = pod.labels().path("app.kubernetes.io/name").asText();
            pod.container(service).ifPresent(c -> compare(context, s, state.get(), pod, env(context, pod, c.node())));
        }
    }

    private static Map<String, Optional<String>> env(Context context, PodTemplate pod, JsonNode container) {
        return Env.of(context.overlay, pod, container, new ArrayList<>());
    }

    // --- where the setup comes from -------------------------------------------------------------------

    private static Optional<Setup> findSetup(Context context) {
        for (PodTemplate pod : context.pods) {
            if (pod.owner().kind().equals("Job")
                    && pod.labels().path("app.kubernetes.io/name").asText().equals(SETUP_NAME)) {
                return Optional.of(fromJob(context, pod));
            }
        }
        for (ManifestObject object : context.overlay.objects()) {
            if (object.kind().equals("ConfigMap")
                    && object.node().path("metadata").path("labels").path("app.kubernetes.io/name").asText().equals(SETUP_NAME)
                    && !object.node().path("data").has(SCRIPT_KEY)) {
                Map<String, Optional<String>> env = new LinkedHashMap<>();
                object.node().path("data").properties()
                        .forEach(e -> env.put(e.getKey(), Optional.of(e.getValue().asText())));
                // The administrator passes their own token when running the script; never stored here.
                env.putIfAbsent("VAULT_TOKEN", Optional.empty());
                return Optional.of(new Setup(object, repositoryScript(context), env, Map.of()));
            }
        }
        return Optional.empty();
    }

    private static Setup fromJob(Context context, PodTemplate job) {
        JsonNode container = job.spec().path("containers").path(0);
        Map<String, Optional<String>> env = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        env.putAll(Env.of(context.overlay, job, container, problems));
        problems.forEach(p -> context.report(job.owner(), ID, p));
        // What the kubelet would mount: path -> content, for Secret and ConfigMap volumes of the overlay.
        Map<String, String> files = new HashMap<>();
        Map<String, JsonNode> volumes = new HashMap<>();
        job.spec().path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
        for (JsonNode mount : container.path("volumeMounts")) {
            JsonNode volume = volumes.getOrDefault(mount.path("name").asText(), MissingNode.getInstance());
            String dir = mount.path("mountPath").asText().replaceAll("/+$", "");
            mounted(context, job, volume).forEach((key, content) -> files.put(dir + "/" + key, content));
        }
        String command = String.join(" ", Stream.concat(stream(container.path("command")), stream(container.path("args"))).toList());
        Optional<String> scriptPath = files.keySet().stream().filter(p -> p.endsWith("/" + SCRIPT_KEY)).findFirst();
        if (scriptPath.isEmpty()) {
            context.report(job.owner(), ID, "mounts no ConfigMap with " + SCRIPT_KEY + " (the shared setup script)");
            return new Setup(job.owner(), repositoryScript(context), env, files);
        }
        if (!command.contains(scriptPath.get())) {
            context.report(job.owner(), ID, "command \"" + command + "\" does not run the mounted " + scriptPath.get());
        }
        return new Setup(job.owner(), files.get(scriptPath.get()), env, files);
    }

    private static Map<String, String> mounted(Context context, PodTemplate pod, JsonNode volume) {
        Map<String, String> content = new LinkedHashMap<>();
        String kind = volume.has("secret") ? "Secret" : volume.has("configMap") ? "ConfigMap" : "";
        if (kind.isEmpty()) {
            return content;
        }
        JsonNode ref = volume.path(kind.equals("Secret") ? "secret" : "configMap");
        String name = ref.path(kind.equals("Secret") ? "secretName" : "name").asText();
        Optional<ManifestObject> object = Env.find(context.overlay, kind, name, pod.namespace());
        Map<String, String> data = new LinkedHashMap<>();
        object.ifPresent(o -> o.node().path("data").properties().forEach(e -> data.put(e.getKey(),
                kind.equals("Secret") ? decode(e.getValue().asText()) : e.getValue().asText())));
        if (ref.has("items")) {
            for (JsonNode item : ref.path("items")) {
                content.put(item.path("path").asText(), data.getOrDefault(item.path("key").asText(), PLACEHOLDER));
            }
        } else {
            content.putAll(data);
        }
        return content;
    }

    private static String repositoryScript(Context context) {
        Path script = context.overlay.manifestsRoot().resolve(REPOSITORY_SCRIPT);
        try {
            return Files.readString(script, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ManifestException("cannot read " + script + ": " + e.getMessage(), e);
        }
    }

    static Set<String> readsOf(String script) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = READS.matcher(script);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    // --- running the script ----------------------------------------------------------------------------

    private static Optional<VaultState> run(Context context, Setup setup) {
        Setup.Key key = setup.key();
        VaultState known = RUNS.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<VaultState> state = runScript(context, setup);
        state.ifPresent(s -> RUNS.put(key, s));
        return state;
    }

    private static Optional<VaultState> runScript(Context context, Setup setup) {
        Path work = null;
        try (RecordingVault vault = RecordingVault.start()) {
            work = Files.createTempDirectory("vault-setup-check");
            Path script = work.resolve(SCRIPT_KEY);
            Files.writeString(script, setup.script(), StandardCharsets.UTF_8);
            ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).directory(work.toFile());
            Map<String, String> environment = builder.environment();
            environment.keySet().retainAll(Set.of("PATH", "LANG", "LC_ALL"));
            environment.put("HOME", work.toString());
            int fileNumber = 0;
            for (var entry : setup.env().entrySet()) {
                String name = entry.getKey();
                String value = entry.getValue().orElse(PLACEHOLDER);
                if (name.endsWith("_FILE") || name.endsWith("_DIR")) {
                    // A path in the pod: give the script a local file with what the pod would see there.
                    Path local = work.resolve("file-" + (fileNumber++));
                    if (name.endsWith("_FILE")) {
                        Files.writeString(local, setup.files().getOrDefault(value, PLACEHOLDER), StandardCharsets.UTF_8);
                    }
                    value = local.toString();
                }
                environment.put(name, value);
            }
            environment.put("VAULT_ADDR", vault.address());
            environment.put("VAULT_CACERT", "");
            // Where the script's defaults point at the pod's own service account, and nothing else set it.
            environment.putIfAbsent("K8S_CA_CERT_FILE", work.resolve("no-ca.crt").toString());
            Process process = builder.redirectErrorStream(true).start();
            process.getOutputStream().close();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(output unreadable: " + e.getMessage() + ")";
                }
            });
            if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                context.report(setup.object(), ID, "vault-setup.sh did not finish in " + SCRIPT_TIMEOUT_SECONDS + " s");
                return Optional.empty();
            }
            if (process.exitValue() != 0) {
                context.report(setup.object(), ID, "vault-setup.sh failed (exit " + process.exitValue()
                        + ") with these settings: " + tail(output.join()));
                return Optional.empty();
            }
            return Optional.of(VaultState.of(vault.calls()));
        } catch (IOException e) {
            throw new ManifestException("cannot run vault-setup.sh: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ManifestException("interrupted while running vault-setup.sh", e);
        } finally {
            deleteQuietly(work);
        }
    }

    private static String tail(String output) {
        String trimmed = output.strip();
        return trimmed.length() <= 600 ? trimmed : "…" + trimmed.substring(trimmed.length() - 600);
    }

    // --- what the services expect ------------------------------------------------------------------------

    private static void compare(Context context, Setup setup, VaultState state, PodTemplate pod,
                                Map<String, Optional<String>> env) {
        ManifestObject deployment = pod.owner();
        JsonNode container = pod.container(pod.labels().path("app.kubernetes.io/name").asText()).orElseThrow().node();
        Function<String, String> from = name -> " [" + name + " "
                + Env.origin(context.overlay, pod, container, name) + "]";
        String by = "vault-setup.sh (settings from " + setup.object().ref() + ")";
        Optional<String> setupAddress = setup.env().getOrDefault("VAULT_ADDR", Optional.empty());
        Optional<String> address = env.getOrDefault("VAULT_ADDR", Optional.empty());
        if (setupAddress.isPresent() && address.isPresent() && !stripSlash(setupAddress.get()).equals(stripSlash(address.get()))) {
            context.report(deployment, ID, "VAULT_ADDR " + address.get() + " is not the Vault " + by
                    + " sets up (" + setupAddress.get() + ")" + from.apply("VAULT_ADDR"));
        }
        List<String> policies = new ArrayList<>();
        String auth = env.getOrDefault("VAULT_AUTH", Optional.of("token")).orElse("");
        switch (auth) {
            case "kubernetes" -> policies.addAll(checkKubernetesAuth(context, state, pod, env, by, from));
            case "approle" -> {
                String service = pod.labels().path("app.kubernetes.io/name").asText();
                VaultState.Role role = state.roles().get("approle/" + service);
                if (role == null) {
                    context.report(deployment, ID, by + " writes no AppRole role " + service);
                } else {
                    policies.addAll(role.policies());
                }
            }
            default -> {
                return; // a token brings its own policies: nothing to compare
            }
        }
        for (String policy : policies) {
            if (!state.policies().containsKey(policy)) {
                context.report(deployment, ID, "its Vault role grants policy " + policy + ", which " + by + " never writes");
            }
        }
        env.getOrDefault("VAULT_RABBITMQ_ROLE", Optional.empty()).ifPresent(role -> {
            expectMount(context, deployment, state, "rabbitmq", "rabbitmq", by);
            if (!state.rabbitmqRoles().contains(role)) {
                context.report(deployment, ID, "VAULT_RABBITMQ_ROLE=" + role + ", but " + by
                        + " writes RabbitMQ roles " + state.rabbitmqRoles() + from.apply("VAULT_RABBITMQ_ROLE"));
            }
            expectRead(context, deployment, state, policies, "rabbitmq/creds/" + role, "VAULT_RABBITMQ_ROLE", by);
        });
        Optional<String> kvMount = env.getOrDefault("VAULT_KV_MOUNT", Optional.empty());
        Optional<String> kvPath = env.getOrDefault("VAULT_KV_PATH", Optional.empty());
        if (kvMount.isPresent() && kvPath.isPresent()) {
            String mount = stripSlash(kvMount.get());
            String dataPath = mount + "/data/" + kvPath.get().replaceAll("^/+", "");
            VaultState.Mount found = state.mounts().get(mount);
            if (found == null || !found.type().equals("kv") || !"2".equals(found.version())) {
                context.report(deployment, ID, "VAULT_KV_MOUNT=" + mount + ", but " + by + " mounts no KV v2 engine there"
                        + (found == null ? "" : " (found " + found.type() + " version " + found.version() + ")")
                        + from.apply("VAULT_KV_MOUNT"));
            }
            if (!state.secretsWritten().contains(dataPath)) {
                context.report(deployment, ID, "VAULT_KV_PATH=" + kvPath.get() + ", but " + by
                        + " writes secrets at " + state.secretsWritten() + from.apply("VAULT_KV_PATH"));
            }
            expectRead(context, deployment, state, policies, dataPath, "VAULT_KV_MOUNT/VAULT_KV_PATH", by);
            String service = pod.labels().path("app.kubernetes.io/name").asText();
            boolean fromEnvironment = env.containsKey("DATABASE_USERNAME") || env.containsKey("DATABASE_USERNAME_FILE");
            if (context.variables.variableFor(service, "DATABASE_USERNAME").isPresent() && !fromEnvironment) {
                Set<String> written = state.secretKeys().getOrDefault(dataPath, Set.of());
                List<String> missing = DATABASE_KEYS.stream().filter(k -> !written.contains(k)).toList();
                if (!missing.isEmpty()) {
                    String prefix = service.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
                    context.report(deployment, ID, "reads its database credentials from " + dataPath
                            + " (DATABASE_USERNAME is not set), but " + by + " writes no " + String.join(", ", missing)
                            + " there: give it " + prefix + "_DATABASE_USERNAME and " + prefix
                            + "_DATABASE_PASSWORD (or " + prefix + "_DATABASE_PASSWORD_FILE)");
                }
            }
        }
    }

    private static List<String> checkKubernetesAuth(Context context, VaultState state, PodTemplate pod,
                                                    Map<String, Optional<String>> env, String by,
                                                    Function<String, String> from) {
        ManifestObject deployment = pod.owner();
        if (!"kubernetes".equals(state.authMethods().get("kubernetes"))) {
            context.report(deployment, ID, "VAULT_AUTH=kubernetes, but " + by + " does not enable the kubernetes auth method");
        }
        Optional<String> roleName = env.getOrDefault("VAULT_K8S_ROLE", Optional.empty());
        if (roleName.isEmpty()) {
            return List.of();
        }
        VaultState.Role role = state.roles().get("kubernetes/" + roleName.get());
        if (role == null) {
            context.report(deployment, ID, "VAULT_K8S_ROLE=" + roleName.get() + ", but " + by
                    + " writes Kubernetes roles " + state.roles().keySet().stream()
                    .filter(k -> k.startsWith("kubernetes/")).map(k -> k.substring("kubernetes/".length())).toList()
                    + from.apply("VAULT_K8S_ROLE"));
            return List.of();
        }
        String account = pod.spec().path("serviceAccountName").asText("default");
        if (!role.boundNames().contains(account) && !role.boundNames().contains("*")) {
            context.report(deployment, ID, "runs as service account " + account + ", but Vault's Kubernetes role "
                    + roleName.get() + " is bound to " + role.boundNames());
        }
        if (!role.boundNamespaces().contains(pod.namespace()) && !role.boundNamespaces().contains("*")) {
            context.report(deployment, ID, "runs in namespace " + pod.namespace() + ", but Vault's Kubernetes role "
                    + roleName.get() + " is bound to namespaces " + role.boundNamespaces());
        }
        String tokenFile = env.getOrDefault("VAULT_K8S_TOKEN_FILE", Optional.empty())
                .orElse(SERVICE_ACCOUNT_DIR + "token");
        if (!tokenMounted(context, pod, tokenFile)) {
            context.report(deployment, ID, "VAULT_K8S_TOKEN_FILE=" + tokenFile
                    + " is not mounted: the service account token is not automounted and no projected token is there");
        }
        return role.policies();
    }

    private static boolean tokenMounted(Context context, PodTemplate pod, String tokenFile) {
        if (tokenFile.startsWith(SERVICE_ACCOUNT_DIR)) {
            JsonNode podSetting = pod.spec().path("automountServiceAccountToken");
            if (podSetting.isBoolean()) {
                return podSetting.asBoolean();
            }
            String account = pod.spec().path("serviceAccountName").asText("default");
            return Env.find(context.overlay, "ServiceAccount", account, pod.namespace())
                    .map(sa -> sa.node().path("automountServiceAccountToken").asBoolean(true)).orElse(true);
        }
        Map<String, JsonNode> volumes = new HashMap<>();
        pod.spec().path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
        JsonNode container = pod.container(pod.labels().path("app.kubernetes.io/name").asText()).orElseThrow().node();
        for (JsonNode mount : container.path("volumeMounts")) {
            String dir = mount.path("mountPath").asText().replaceAll("/+$", "") + "/";
            JsonNode volume = volumes.get(mount.path("name").asText());
            if (tokenFile.startsWith(dir) && volume != null) {
                for (JsonNode source : volume.path("projected").path("sources")) {
                    if (source.has("serviceAccountToken")
                            && tokenFile.equals(dir + source.path("serviceAccountToken").path("path").asText())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static void expectMount(Context context, ManifestObject deployment, VaultState state, String path,
                                    String type, String by) {
        VaultState.Mount mount = state.mounts().get(path);
        if (mount == null || !mount.type().equals(type)) {
            context.report(deployment, ID, by + " mounts no " + type + " secrets engine at " + path + "/");
        }
    }

    private static void expectRead(Context context, ManifestObject deployment, VaultState state, List<String> policies,
                                   String path, String variables, String by) {
        boolean granted = policies.stream().map(state.policies()::get).filter(p -> p != null)
                .anyMatch(policy -> policy.grants(path, "read"));
        if (!granted) {
            context.report(deployment, ID, "reads " + path + " (" + variables + "), but no policy " + policies
                    + " that " + by + " writes grants read on it");
        }
    }

    // --- what the script wrote --------------------------------------------------------------------------

    /** The Vault configuration the recorded calls amount to. */
    record VaultState(Map<String, Mount> mounts, Map<String, String> authMethods, Map<String, Policy> policies,
                      Map<String, Role> roles, Set<String> rabbitmqRoles, Set<String> secretsWritten,
                      Map<String, Set<String>> secretKeys) {

        record Mount(String type, String version) {
        }

        record Role(List<String> boundNames, List<String> boundNamespaces, List<String> policies) {
        }

        record Policy(Map<String, Set<String>> paths) {
            boolean grants(String path, String capability) {
                return paths.entrySet().stream().anyMatch(e -> matches(e.getKey(), path)
                        && e.getValue().contains(capability) && !e.getValue().contains("deny"));
            }

            /** Vault's ACL paths: exact, a trailing * (prefix), + for one segment. */
            private static boolean matches(String pattern, String path) {
                String regex = Pattern.quote(pattern).replace("+", "\\E[^/]+\\Q");
                if (pattern.endsWith("*")) {
                    regex = Pattern.quote(pattern.substring(0, pattern.length() - 1)).replace("+", "\\E[^/]+\\Q") + ".*";
                }
                return path.matches(regex);
            }
        }

        static VaultState of(List<RecordingVault.Call> calls) {
            Map<String, Mount> mounts = new LinkedHashMap<>();
            Map<String, String> auth = new LinkedHashMap<>();
            Map<String, Policy> policies = new LinkedHashMap<>();
            Map<String, Role> roles = new LinkedHashMap<>();
            Set<String> rabbitmqRoles = new LinkedHashSet<>();
            Set<String> secrets = new LinkedHashSet<>();
            Map<String, Set<String>> secretKeys = new LinkedHashMap<>();
            for (RecordingVault.Call call : calls) {
                if (call.method().equals("GET")) {
                    continue;
                }
                String path = call.path();
                JsonNode body = call.body();
                if (path.startsWith("sys/mounts/")) {
                    mounts.put(path.substring("sys/mounts/".length()), new Mount(body.path("type").asText(),
                            body.path("options").path("version").asText(body.path("type").asText().equals("kv") ? "1" : "")));
                } else if (path.startsWith("sys/auth/")) {
                    auth.put(path.substring("sys/auth/".length()), body.path("type").asText());
                } else if (path.startsWith("sys/policies/acl/") || path.startsWith("sys/policy/")) {
                    policies.put(path.substring(path.lastIndexOf('/') + 1), parsePolicy(body.path("policy").asText()));
                } else if (path.startsWith("auth/") && path.contains("/role/") && !path.endsWith("/secret-id")) {
                    String mount = path.substring("auth/".length(), path.indexOf("/role/"));
                    String name = path.substring(path.indexOf("/role/") + "/role/".length());
                    String type = auth.getOrDefault(mount, mount);
                    List<String> tokenPolicies = strings(body.has("token_policies") ? body.path("token_policies") : body.path("policies"));
                    roles.put(type + "/" + name, new Role(strings(body.path("bound_service_account_names")),
                            strings(body.path("bound_service_account_namespaces")), tokenPolicies));
                } else if (path.contains("/roles/") && "rabbitmq".equals(typeOf(mounts, path))) {
                    rabbitmqRoles.add(path.substring(path.indexOf("/roles/") + "/roles/".length()));
                } else if (path.contains("/data/") && "kv".equals(typeOf(mounts, path))) {
                    secrets.add(path);
                    body.path("data").fieldNames().forEachRemaining(
                            k -> secretKeys.computeIfAbsent(path, p -> new LinkedHashSet<>()).add(k));
                }
            }
            return new VaultState(mounts, auth, policies, roles, rabbitmqRoles, secrets, secretKeys);
        }

        private static String typeOf(Map<String, Mount> mounts, String path) {
            return mounts.entrySet().stream().filter(e -> path.startsWith(e.getKey() + "/"))
                    .max(Comparator.comparingInt(e -> e.getKey().length()))
                    .map(e -> e.getValue().type()).orElse("");
        }

        private static Policy parsePolicy(String hcl) {
            Map<String, Set<String>> paths = new LinkedHashMap<>();
            Matcher m = POLICY_PATH.matcher(hcl);
            while (m.find()) {
                Set<String> capabilities = new LinkedHashSet<>();
                for (String cap : m.group(2).split(",")) {
                    String c = cap.strip().replace("\"", "");
                    if (!c.isEmpty()) {
                        capabilities.add(c);
                    }
                }
                paths.put(m.group(1), capabilities);
            }
            return new Policy(paths);
        }

        /** A JSON array of strings, or Vault's comma-separated string form. */
        private static List<String> strings(JsonNode node) {
            List<String> values = new ArrayList<>();
            if (node.isArray()) {
                node.forEach(v -> values.add(v.asText()));
            } else if (node.isTextual() && !node.asText().isBlank()) {
                for (String v : node.asText().split(",")) {
                    values.add(v.strip());
                }
            }
            return values;
        }
    }

    private static Stream<String> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText);
    }

    private static String stripSlash(String s) {
        return s.replaceAll("/+$", "");
    }

    private static String decode(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp directory is harmless; the check's result does not depend on it.
        }
    }
}
