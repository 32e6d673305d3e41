package io.github.microkit.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;

/** Which keys may verify which tokens, beyond what nimbus's {@code JWKMatcher} already requires. */
final class KeyPolicy {

    static final int MIN_RSA_BITS = 2048;

    private KeyPolicy() {
    }

    /** Keys in a key set that are never used: private material published by mistake, encryption keys, short RSA keys. */
    static boolean usableKey(JWK key) {
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return false;
        }
        if (key.getKeyOperations() != null && !key.getKeyOperations().contains(KeyOperation.VERIFY)) {
            return false;
        }
        if (key instanceof OctetSequenceKey) {
            return true; // only ever configured as an HMAC secret, never taken from a key set
        }
        if (key.isPrivate()) {
            return false;
        }
        return !(key instanceof RSAKey rsa) || rsa.size() >= MIN_RSA_BITS;
    }

    /** The key's type and curve fit the algorithm, and a key that names an algorithm is used only with it. */
    static boolean keyFitsAlgorithm(JWK key, JWSAlgorithm alg) {
        if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())) {
            return false;
        }
        if (JWSAlgorithm.Family.RSA.contains(alg)) {
            return key instanceof RSAKey;
        }
        if (JWSAlgorithm.Family.EC.contains(alg)) {
            return key instanceof ECKey ec && Curve.forJWSAlgorithm(alg).contains(ec.getCurve());
        }
        if (JWSAlgorithm.EdDSA.equals(alg)) {
            return key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve());
        }
        if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
            return key instanceof OctetSequenceKey;
        }
        return false;
    }
}
