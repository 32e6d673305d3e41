package io.github.microkit.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Each service's {@code DATABASE_URL} (rule service-variables makes sure it is set) points at
 * PostgreSQL, which every replica shares. An H2 URL, the services' default without one, is a file in
 * one pod: read-only here, lost with the pod, and not seen by the other replicas, so neither the
 * idempotency keys nor the inbox would hold. Where the URL names a Service of the overlay (a database
 * in the cluster), that Service has the URL's port and selects the pods of a StatefulSet, and the
 * NetworkPolicies that open the database port on those pods admit only the services that use it
 * (no empty {@code from}, no ipBlock, no other namespace, no other pod). And each service's egress
 * lets it reach its database: the database's pods in the cluster, an ipBlock for an external server.
 */
final class DatabaseRule implements Rule {
    static final String ID = "database";
    static final String VARIABLE = "DATABASE_URL";
    private static final int DEFAULT_PORT = 5432;
    /** jdbc:postgresql://host[:port][,host[:port]...]/database[?parameters]; a bare IPv6 host is not used here. */
    private static final Pattern POSTGRES_URL = Pattern.compile("jdbc:postgresql://([^/?]+)/[^?]*(\\?.*)?");
    private static final Pattern HOST_AND_PORT = Pattern.compile("([^:]+)(?::(\\d{1,5}))?");

    @Override
    public String id() {
        return ID;
    }

    /** A database the overlay runs itself: its Service, the port the URLs use, and its pods. */
    private record InCluster(ManifestObject service, int servicePort, PodTemplate pods, int podPort, String portName) {
    }

    @Override
    public void check(Context context) {
        Map<ManifestObject, Set<PodTemplate>> users = new LinkedHashMap<>();
        Map<ManifestObject, InCluster> databases = new LinkedHashMap<>();
        for (String service : context.variables.services()) {
            if (context.variables.variableFor(service, VARIABLE).isEmpty()) {
                continue;
            }
            for (PodTemplate pod : context.servicePods(service)) {
                Optional<PodTemplate.Container> container = pod.container(service);
                Optional<String> url = container.flatMap(c -> Env.of(context.overlay, pod, c.node(), new ArrayList<>())
                        .getOrDefault(VARIABLE, Optional.empty()));
                if (url.isEmpty()) {
                    continue; // not set, or from a Secret whose value the overlay does not hold
                }
                String where = VARIABLE + " " + url.get() + " [" + VARIABLE + " "
                        + Env.origin(context.overlay, pod, container.get().node(), VARIABLE) + "]";
                if (url.get().regionMatches(true, 0, "jdbc:h2:", 0, "jdbc:h2:".length())) {
                    context.report(pod.owner(), ID, where + " is an H2 database inside the pod: read-only here, lost "
                            + "with the pod and not shared by its replicas; point it at PostgreSQL "
                            + "(jdbc:postgresql://host:5432/database)");
                    continue;
                }
                Matcher m = POSTGRES_URL.matcher(url.get());
                if (!m.matches()) {
                    context.report(pod.owner(), ID, where + " is not a PostgreSQL JDBC URL "
                            + "(jdbc:postgresql://host:5432/database)");
                    continue;
                }
                for (String hostAndPort : m.group(1).split(",")) {
                    Matcher h = HOST_AND_PORT.matcher(hostAndPort);
                    if (!h.matches()) {
                        context.report(pod.owner(), ID, where + ": " + hostAndPort + " is not host or host:port");
                        continue;
                    }
                    String host = h.group(1);
                    int port = h.group(2) == null ? DEFAULT_PORT : Integer.parseInt(h.group(2));
                    Optional<ManifestObject> target = serviceNamed(context, host, pod.namespace());
                    if (target.isEmpty()) {
                        checkEgress(context, pod, where, port, Optional.empty());
                        continue;
                    }
                    Optional<JsonNode> servicePort = servicePort(target.get(), port);
                    if (servicePort.isEmpty()) {
                        context.report(pod.owner(), ID, where + ": port " + port + " is not a port of " + target.get().ref());
                        continue;
                    }
                    InCluster database = databases.get(target.get());
                    if (database == null) {
                        Optional<InCluster> found = inCluster(context, target.get(), servicePort.get(), pod);
                        if (found.isEmpty()) {
                            continue;
                        }
                        database = found.get();
                        databases.put(target.get(), database);
                    }
                    users.computeIfAbsent(target.get(), k -> new LinkedHashSet<>()).add(pod);
                    checkEgress(context, pod, where, database.podPort(), Optional.of(database));
                }
            }
        }
        databases.forEach((service, database) -> checkIngress(context, database, users.get(service)));
    }

    /** {@code host} as a Service of the overlay: {@code name}, {@code name.namespace} or {@code name.namespace.svc…}. */
    private static Optional<ManifestObject> serviceNamed(Context context, String host, String namespace) {
        String[] labels = host.split("\\.");
        boolean local = labels.length == 1 || (labels[1].equals(namespace)
                && (labels.length == 2 || labels[2].equals("svc")));
        return local ? Env.find(context.overlay, "Service", labels[0], namespace) : Optional.empty();
    }

    private static Optional<JsonNode> servicePort(ManifestObject service, int port) {
        for (JsonNode p : service.node().path("spec").path("ports")) {
            if (p.path("port").asInt() == port) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static Optional<InCluster> inCluster(Context context, ManifestObject service, JsonNode servicePort,
                                                 PodTemplate user) {
        int port = servicePort.path("port").asInt();
        JsonNode selector = service.node().path("spec").path("selector");
        List<PodTemplate> selected = selector.isEmpty() ? List.of() : context.pods.stream()
                .filter(p -> p.longRunning() && LabelSelector.mapMatches(selector, p.labels())).toList();
        if (selected.isEmpty()) {
            context.report(service, ID, "is the database of " + user.owner().ref() + " but selects no pods of the overlay");
            return Optional.empty();
        }
        PodTemplate pods = selected.get(0);
        if (!pods.owner().kind().equals("StatefulSet")) {
            context.report(pods.owner(), ID, "runs the database of " + user.owner().ref()
                    + ": run it as a StatefulSet, whose pods keep their persistent volume");
        }
        JsonNode target = servicePort.has("targetPort") ? servicePort.path("targetPort") : servicePort.path("port");
        String name = "";
        Optional<Integer> number = Optional.empty();
        for (PodTemplate.Container c : pods.containers()) {
            Optional<Integer> n = ProbesRule.portNumber(c.node(), target);
            for (JsonNode declared : c.node().path("ports")) {
                if (n.isPresent() && declared.path("containerPort").asInt() == n.get()) {
                    name = declared.path("name").asText("");
                    number = n;
                }
            }
        }
        if (number.isEmpty()) {
            context.report(service, ID, "port " + port + " targets " + target.asText()
                    + ", which no container of " + pods.owner().ref() + " declares");
            return Optional.empty();
        }
        return Optional.of(new InCluster(service, port, pods, number.get(), name));
    }

    /** Some egress rule of the policies selecting the service lets it reach its database (none selecting: open). */
    private static void checkEgress(Context context, PodTemplate pod, String where, int port, Optional<InCluster> database) {
        List<JsonNode> selecting = policies(context, pod, "Egress");
        if (selecting.isEmpty()) {
            return;
        }
        String portName = database.map(InCluster::portName).orElse("");
        for (JsonNode policy : selecting) {
            for (JsonNode rule : policy.path("spec").path("egress")) {
                if (!portMatches(rule.path("ports"), port, portName)) {
                    continue;
                }
                if (rule.path("to").isEmpty()) {
                    return;
                }
                for (JsonNode peer : rule.path("to")) {
                    boolean reaches = database.isPresent()
                            ? peer.has("podSelector") && !peer.has("namespaceSelector") && !peer.has("ipBlock")
                                    && LabelSelector.matches(peer.path("podSelector"), database.get().pods().labels())
                            : peer.has("ipBlock");
                    if (reaches) {
                        return;
                    }
                }
            }
        }
        context.report(pod.owner(), ID, where + ": no NetworkPolicy lets it reach its database on port " + port
                + database.map(d -> " (the pods of " + d.pods().owner().ref() + ")")
                        .orElse(" (an egress rule with an ipBlock for the external server)"));
    }

    /** The policies that open the database port admit exactly its users, and each user is admitted. */
    private static void checkIngress(Context context, InCluster database, Set<PodTemplate> users) {
        List<JsonNode> selecting = policies(context, database.pods(), "Ingress");
        Set<PodTemplate> admitted = new LinkedHashSet<>();
        for (JsonNode policy : selecting) {
            ManifestObject object = policyObject(context, policy);
            for (JsonNode rule : policy.path("spec").path("ingress")) {
                if (!portMatches(rule.path("ports"), database.podPort(), database.portName())) {
                    continue;
                }
                if (rule.path("from").isEmpty()) {
                    context.report(object, ID, "admits every source to the database " + database.pods().owner().ref()
                            + " on port " + database.podPort() + ": name its users' pods in from");
                    continue;
                }
                for (JsonNode peer : rule.path("from")) {
                    if (peer.has("ipBlock") || peer.has("namespaceSelector") || !peer.has("podSelector")) {
                        context.report(object, ID, "admits " + (peer.has("ipBlock") ? "an ipBlock" : "another namespace")
                                + " to the database " + database.pods().owner().ref() + " on port "
                                + database.podPort() + ": only the services that use it may reach it");
                        continue;
                    }
                    for (PodTemplate other : context.pods) {
                        if (other == database.pods() || !LabelSelector.matches(peer.path("podSelector"), other.labels())) {
                            continue;
                        }
                        if (users.contains(other)) {
                            admitted.add(other);
                        } else {
                            context.report(object, ID, "admits " + other.owner().ref() + " to the database "
                                    + database.pods().owner().ref() + " on port " + database.podPort()
                                    + ", which does not use it: only the services whose " + VARIABLE + " names it may");
                        }
                    }
                }
            }
        }
        if (selecting.isEmpty()) {
            context.report(database.pods().owner(), ID, "no NetworkPolicy limits who reaches the database on port "
                    + database.podPort() + ": only the services whose " + VARIABLE + " names it may");
            return;
        }
        for (PodTemplate user : users) {
            if (!admitted.contains(user)) {
                context.report(user.owner(), ID, "cannot reach its database: no ingress rule of the NetworkPolicies of "
                        + database.pods().owner().ref() + " admits it on port " + database.podPort());
            }
        }
    }

    private static List<JsonNode> policies(Context context, PodTemplate pod, String type) {
        List<JsonNode> selecting = new ArrayList<>();
        for (ManifestObject object : context.overlay.objects()) {
            JsonNode spec = object.node().path("spec");
            if (object.kind().equals("NetworkPolicy") && object.namespace().equals(pod.owner().namespace())
                    && LabelSelector.matches(spec.path("podSelector"), pod.labels())
                    && contains(spec.path("policyTypes"), type)) {
                selecting.add(object.node());
            }
        }
        return selecting;
    }

    private static ManifestObject policyObject(Context context, JsonNode policy) {
        return context.overlay.objects().stream().filter(o -> o.node() == policy).findFirst().orElseThrow();
    }

    private static boolean portMatches(JsonNode ports, int port, String name) {
        if (ports.isEmpty()) {
            return true;
        }
        for (JsonNode p : ports) {
            JsonNode value = p.path("port");
            if (value.isMissingNode()
                    || (value.isInt() && (value.asInt() == port
                        || (p.has("endPort") && port >= value.asInt() && port <= p.path("endPort").asInt())))
                    || (value.isTextual() && !name.isEmpty() && value.asText().equals(name))) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode v : array) {
            if (v.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
