package io.github.microkit.manifests;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * No secret values in ConfigMaps (they are readable by anyone who may read the namespace's
 * configuration, and end up in logs and diffs): a key that names a password, secret, token,
 * credential or private key must not carry a value, unless it is a *_FILE path; and no value may be
 * a URI with a password in its user info (amqp://user:password@host), JDBC URLs included, or a JDBC
 * URL with a password parameter (jdbc:postgresql://host/db?password=...).
 */
final class ConfigMapSecretsRule implements Rule {
    static final String ID = "configmap-secrets";
    private static final Pattern SECRET_NAME = Pattern.compile(
            ".*(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|APIKEY).*");
    private static final Pattern URI_WITH_PASSWORD = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\\s:]*:[^/@\\s]+@.*");
    private static final Pattern JDBC_PASSWORD_PARAMETER = Pattern.compile("(?i)^jdbc:.*[?&;]password=[^&;]+.*");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void check(Context context) {
        for (ManifestObject object : context.overlay.objects()) {
            if (!object.kind().equals("ConfigMap")) {
                continue;
            }
            object.node().path("data").properties().forEach(entry -> {
                String key = entry.getKey();
                String value = entry.getValue().asText("");
                String normalized = key.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
                boolean path = normalized.endsWith("_FILE");
                if (SECRET_NAME.matcher(normalized).matches() && !path && !value.isBlank()) {
                    context.report(object, ID, "data." + key + " holds a secret value inline: put it in a Secret "
                            + "or in Vault and reference it");
                }
                String uri = value.strip();
                if (JDBC_PASSWORD_PARAMETER.matcher(uri).matches()) {
                    context.report(object, ID, "data." + key + " is a JDBC URL with a password parameter: move the "
                            + "password to a Secret or to Vault");
                }
                if (URI_WITH_PASSWORD.matcher(uri.regionMatches(true, 0, "jdbc:", 0, 5) ? uri.substring(5) : uri).matches()) {
                    context.report(object, ID, "data." + key + " is a URI with a password in it: move the "
                            + "credentials to a Secret or to Vault");
                }
            });
        }
    }
}
