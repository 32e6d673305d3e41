package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Micrometer is optional: verification must work with no Micrometer class anywhere on the class path. */
class WithoutMicrometerTest {

    @Test
    void verifierWorksWithoutMicrometerOnTheClassPath() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.contains("micrometer")) {
                urls.add(new File(entry).toURI().toURL());
            }
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> loader.loadClass("io.micrometer.core.instrument.MeterRegistry"))
                    .isInstanceOf(ClassNotFoundException.class);

            byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
            String token = Tokens.hmac(secret, "HS256", Map.of("alg", "HS256"),
                    Map.of("iss", "https://idp.example", "aud", "orders-api", "exp", Tokens.inMinutes(5), "sub", "svc"));

            Class<?> configClass = loader.loadClass(JwtVerifierConfig.class.getName());
            Object config = configClass.getMethod("defaults", String.class, String.class).invoke(null, "https://idp.example", "orders-api");
            Class<?> verifierClass = loader.loadClass(JwtVerifier.class.getName());
            Object verifier = verifierClass.getMethod("forHmacSecret", configClass, byte[].class).invoke(null, config, secret);
            Method verify = verifierClass.getMethod("verify", String.class);
            Object verified = verify.invoke(verifier, token);

            assertThat(verified.getClass().getClassLoader()).isSameAs(loader);
            assertThat(verified.toString()).contains("sub=svc");
        }
    }
}
