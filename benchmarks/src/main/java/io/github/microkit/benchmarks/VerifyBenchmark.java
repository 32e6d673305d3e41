package io.github.microkit.benchmarks;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.github.microkit.auth.JwtVerifier;
import io.github.microkit.auth.JwtVerifierConfig;
import io.github.microkit.auth.VerifiedToken;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Token verification: microkit's {@code JwtVerifier} against nimbus's {@code DefaultJWTProcessor} with a local
 * key set, both doing the same checks (signature, {@code typ}, exact {@code iss}, required {@code aud} and
 * {@code exp}, time claims). {@code microkit} runs with the verified-token cache off; {@code microkitCached}
 * with it on and the same token each time, as a service sees when one client repeats its token.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class VerifyBenchmark {

    /** Read by benchmarks/run.sh: pairs {@code microkit}/{@code raw} and {@code microkitCached}/{@code raw}. */
    public static final String RATIO = "verify{variant}-{alg}-{threads}t";
    public static final int[] THREADS = {1, 2};

    private static final String ISSUER = "https://idp.example.com/realms/shop";
    private static final String AUDIENCE = "orders-api";

    @Param({"RS256", "ES256"})
    public String alg;

    private String token;
    private DefaultJWTProcessor<SecurityContext> raw;
    private JwtVerifier microkit;
    private JwtVerifier microkitCached;

    @Setup(Level.Trial)
    public void setUp() throws JOSEException {
        JWSAlgorithm algorithm = JWSAlgorithm.parse(alg);
        JWK key;
        JWSSigner signer;
        if (JWSAlgorithm.RS256.equals(algorithm)) {
            RSAKey rsa = new RSAKeyGenerator(2048).keyID("bench-rsa").algorithm(algorithm).keyUse(KeyUse.SIGNATURE).generate();
            key = rsa;
            signer = new RSASSASigner(rsa);
        } else {
            ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("bench-ec").algorithm(algorithm).keyUse(KeyUse.SIGNATURE).generate();
            key = ec;
            signer = new ECDSASigner(ec);
        }
        JWKSet publicKeys = new JWKSet(key.toPublicJWK());

        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject("user-42")
                .audience(AUDIENCE)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(24 * 3600)))
                .claim("scope", "orders:read orders:write")
                .claim("azp", "orders-web")
                .claim("realm_access", Map.of("roles", List.of("clerk")))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(signer);
        token = jwt.serialize();

        raw = new DefaultJWTProcessor<>();
        raw.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
        raw.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithm, new ImmutableJWKSet<>(publicKeys)));
        raw.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(AUDIENCE,
                new JWTClaimsSet.Builder().issuer(ISSUER).build(), Set.of("exp", "iss", "aud")));

        JwtVerifierConfig config = JwtVerifierConfig.defaults(ISSUER, AUDIENCE);
        microkit = JwtVerifier.forKeys(JwtVerifierConfig.from(config).tokenCache(false).build(), publicKeys.toString());
        microkitCached = JwtVerifier.forKeys(config, publicKeys.toString());

        // Fail the run at once if either side rejects the token: a fast rejection would be a false win.
        try {
            raw.process(token, null);
        } catch (Exception e) {
            throw new IllegalStateException("raw nimbus rejects the benchmark token", e);
        }
        microkit.verify(token);
        microkitCached.verify(token);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        microkit.close();
        microkitCached.close();
    }

    @Benchmark
    public JWTClaimsSet raw() throws Exception {
        return raw.process(token, null);
    }

    @Benchmark
    public VerifiedToken microkit() {
        return microkit.verify(token);
    }

    @Benchmark
    public VerifiedToken microkitCached() {
        return microkitCached.verify(token);
    }
}
