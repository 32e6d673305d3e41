package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.ByteArrayInputStream;
import java.net.URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes auth. Vault asks the cluster's TokenReview API; with no cluster here, the emulator checks
 * the service-account JWT's signature itself, against {@code pem_keys} (Vault's own parameter) or a
 * JWKS given inline ({@code jwks}) or by URL ({@code jwks_url}) — the last two are emulator extensions.
 */
final class KubernetesBackend extends LoginBackend<KubernetesBackend.Role> {

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    static final class Role extends LoginBackend.Role {
        List<String> names = List.of();
        List<String> namespaces = List.of();
        String audience = "";
    }

    private ObjectNode config;
    private List<PublicKey> pemKeys = List.of();
    private Optional<JWKSet> jwks = Optional.empty();

    KubernetesBackend(EmulatorCore core) {
        super(core);
    }

    @Override
    Response handleOther(Request req) {
        String p = req.subPath;
        if (p.equals("config")) {
            return config(req);
        }
        if (p.startsWith("role/")) {
            return role(req, p.substring(5));
        }
        throw ApiError.unsupportedPath(p);
    }

    private Response config(Request req) {
        if (req.operation == Operation.READ) {
            if (config == null) {
                throw ApiError.notFound();
            }
            ObjectNode d = Json.object();
            d.put("kubernetes_host", Json.text(config, "kubernetes_host"));
            d.put("kubernetes_ca_cert", Json.text(config, "kubernetes_ca_cert"));
            d.set("pem_keys", Json.array(Json.strings(config, "pem_keys")));
            d.put("issuer", Json.text(config, "issuer"));
            d.put("disable_iss_validation", Json.bool(config, "disable_iss_validation", true));
            d.put("disable_local_ca_jwt", Json.bool(config, "disable_local_ca_jwt", false));
            return Response.data(d);
        }
        if (!req.operation.isWrite()) {
            throw ApiError.unsupportedOperation();
        }
        if (Json.text(req.data, "kubernetes_host").isEmpty()) {
            throw ApiError.badRequest("no host provided");
        }
        List<PublicKey> keys = new ArrayList<>();
        for (String pem : Json.strings(req.data, "pem_keys")) {
            keys.addAll(parsePem(pem));
        }
        Optional<JWKSet> set = Optional.empty();
        JsonNode j = req.data.get("jwks");
        try {
            if (j != null && !j.isNull()) {
                set = Optional.of(JWKSet.parse(j.isTextual() ? j.asText() : j.toString()));
            } else if (!Json.text(req.data, "jwks_url").isEmpty()) {
                set = Optional.of(JWKSet.load(new URL(Json.text(req.data, "jwks_url"))));
            }
        } catch (ParseException | java.io.IOException e) {
            throw ApiError.badRequest("unable to read the JWKS: " + e.getClass().getSimpleName());
        }
        config = req.data.deepCopy();
        pemKeys = List.copyOf(keys);
        jwks = set;
        return Response.noContent();
    }

    static List<PublicKey> parsePem(String pem) {
        List<PublicKey> keys = new ArrayList<>();
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            try {
                if (m.group(1).equals("CERTIFICATE")) {
                    keys.add(CertificateFactory.getInstance("X.509")
                            .generateCertificate(new ByteArrayInputStream(der)).getPublicKey());
                } else if (m.group(1).equals("PUBLIC KEY")) {
                    keys.add(publicKey(der));
                } else {
                    throw ApiError.badRequest("data does not contain any valid public keys");
                }
            } catch (GeneralSecurityException e) {
                throw ApiError.badRequest("data does not contain any valid public keys");
            }
        }
        if (keys.isEmpty()) {
            throw ApiError.badRequest("data does not contain any valid public keys");
        }
        return keys;
    }

    private static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
        X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
        try {
            return KeyFactory.getInstance("RSA").generatePublic(spec);
        } catch (GeneralSecurityException e) {
            return KeyFactory.getInstance("EC").generatePublic(spec);
        }
    }

    @Override
    Role newRole(String name) {
        return new Role();
    }

    @Override
    void writeRole(String name, Role r, ObjectNode data) {
        if (data.has("bound_service_account_names")) {
            r.names = Json.strings(data, "bound_service_account_names");
        }
        if (data.has("bound_service_account_namespaces")) {
            r.namespaces = Json.strings(data, "bound_service_account_namespaces");
        }
        if (r.names.isEmpty() || r.namespaces.isEmpty()) {
            roles.remove(name);
            throw ApiError.badRequest(r.names.isEmpty() ? "\"bound_service_account_names\" can not be empty"
                    : "\"bound_service_account_namespaces\" can not be empty");
        }
        if (data.has("audience")) {
            r.audience = Json.text(data, "audience");
        }
    }

    @Override
    void describeRole(Role r, ObjectNode d) {
        d.put("alias_name_source", "serviceaccount_uid");
        d.put("audience", r.audience);
        d.set("bound_service_account_names", Json.array(r.names));
        d.set("bound_service_account_namespaces", Json.array(r.namespaces));
    }

    @Override
    Response login(Request req) {
        String roleName = Json.text(req.data, "role");
        if (roleName.isEmpty()) {
            throw ApiError.badRequest("missing role");
        }
        String jwt = Json.text(req.data, "jwt");
        if (jwt.isEmpty()) {
            throw ApiError.badRequest("missing jwt");
        }
        if (config == null) {
            throw ApiError.badRequest("could not load backend configuration");
        }
        Role role = roles.get(roleName);
        if (role == null) {
            throw ApiError.badRequest("invalid role name \"" + roleName + "\"");
        }
        if (pemKeys.isEmpty() && jwks.isEmpty()) {
            throw ApiError.badRequest("the Vault emulator checks service-account tokens itself: "
                    + "set pem_keys (or jwks) on auth/" + req.mount.path + "config");
        }
        SignedJWT signed;
        JWTClaimsSet claims;
        try {
            signed = SignedJWT.parse(jwt);
            claims = signed.getJWTClaimsSet();
        } catch (ParseException e) {
            throw ApiError.badRequest("not a compact JWS");
        }
        if (!verified(signed)) {
            throw ApiError.permissionDenied();
        }
        Instant now = core.clock.now();
        if (claims.getExpirationTime() != null && !now.isBefore(claims.getExpirationTime().toInstant())) {
            throw ApiError.permissionDenied();
        }
        if (claims.getNotBeforeTime() != null && now.isBefore(claims.getNotBeforeTime().toInstant())) {
            throw ApiError.permissionDenied();
        }
        String issuer = Json.text(config, "issuer");
        if (!Json.bool(config, "disable_iss_validation", true)) {
            String expected = issuer.isEmpty() ? "kubernetes/serviceaccount" : issuer;
            if (!expected.equals(claims.getIssuer())) {
                throw ApiError.of(403, "invalid issuer (iss) claim");
            }
        }
        ServiceAccount sa = ServiceAccount.of(claims);
        if (!role.names.contains("*") && !role.names.contains(sa.name)) {
            throw ApiError.of(403, "service account name not authorized");
        }
        if (!role.namespaces.contains("*") && !role.namespaces.contains(sa.namespace)) {
            throw ApiError.of(403, "namespace not authorized");
        }
        if (!role.audience.isEmpty() && (claims.getAudience() == null || !claims.getAudience().contains(role.audience))) {
            throw ApiError.of(403, "invalid audience (aud) claim: audience claim does not match any expected audience");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("role", roleName);
        meta.put("service_account_name", sa.name);
        meta.put("service_account_namespace", sa.namespace);
        meta.put("service_account_secret_name", sa.secretName);
        meta.put("service_account_uid", sa.uid);
        return issue(role, req, meta, req.mount.path.replace("/", "") + "-" + sa.namespace + "-" + sa.name, now);
    }

    private boolean verified(SignedJWT jwt) {
        List<JWSVerifier> verifiers = new ArrayList<>();
        try {
            for (PublicKey k : pemKeys) {
                if (k instanceof RSAPublicKey rsa) {
                    verifiers.add(new RSASSAVerifier(rsa));
                } else if (k instanceof ECPublicKey ec) {
                    verifiers.add(new ECDSAVerifier(ec));
                }
            }
            if (jwks.isPresent()) {
                String kid = jwt.getHeader().getKeyID();
                for (JWK k : jwks.get().getKeys()) {
                    if (kid != null && k.getKeyID() != null && !kid.equals(k.getKeyID())) {
                        continue;
                    }
                    if (k instanceof RSAKey rsa) {
                        verifiers.add(new RSASSAVerifier(rsa));
                    } else if (k instanceof ECKey ec) {
                        verifiers.add(new ECDSAVerifier(ec));
                    }
                }
            }
            for (JWSVerifier v : verifiers) {
                if (v.supportedJWSAlgorithms().contains(jwt.getHeader().getAlgorithm())) {
                    try {
                        if (jwt.verify(v)) {
                            return true;
                        }
                    } catch (JOSEException | IllegalStateException e) {
                        // this key does not fit this token; try the next
                    }
                }
            }
        } catch (JOSEException e) {
            return false;
        }
        return false;
    }

    /** The service account a token names: projected tokens ("kubernetes.io" claim) or legacy secret tokens. */
    private record ServiceAccount(String namespace, String name, String uid, String secretName) {

        static ServiceAccount of(JWTClaimsSet c) {
            Object k8s = c.getClaim("kubernetes.io");
            if (k8s instanceof Map<?, ?> m) {
                String ns = String.valueOf(m.get("namespace"));
                Object sa = m.get("serviceaccount");
                if (sa instanceof Map<?, ?> s) {
                    return new ServiceAccount(ns, String.valueOf(s.get("name")), String.valueOf(s.get("uid")), "");
                }
            }
            String ns = str(c, "kubernetes.io/serviceaccount/namespace");
            String name = str(c, "kubernetes.io/serviceaccount/service-account.name");
            if (!ns.isEmpty() && !name.isEmpty()) {
                return new ServiceAccount(ns, name, str(c, "kubernetes.io/serviceaccount/service-account.uid"),
                        str(c, "kubernetes.io/serviceaccount/secret.name"));
            }
            String sub = c.getSubject() == null ? "" : c.getSubject();
            String[] parts = sub.split(":");
            if (parts.length == 4 && parts[0].equals("system") && parts[1].equals("serviceaccount")) {
                return new ServiceAccount(parts[2], parts[3], "", "");
            }
            throw ApiError.badRequest("the JWT names no service account");
        }

        private static String str(JWTClaimsSet c, String name) {
            Object v = c.getClaim(name);
            return v == null ? "" : v.toString();
        }
    }
}
