//! RSA key handling, with no HTTP in it.
//!
//! Merchants' request signatures are RSA PKCS#1 v1.5 over SHA-256, Base64-encoded. Public keys
//! are parsed once, when registered, into an `aws-lc-rs` key that verification reuses: 22 µs a
//! signature here, against 38 µs for `ring` (which parses the key on every call) and several
//! hundred for the pure-Rust `rsa` crate (`cargo run --release --example verify_bench`). `rsa`
//! stays for reading PEM, key generation, 1024-bit keys and the signing done by the CLI and tests.

use aws_lc_rs::signature as rs;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeyError {
    #[error("this is a private key; register the public key (openssl rsa -in private.pem -pubout)")]
    PrivateKeyGiven,
    #[error("not an RSA public key in PKCS#1 PEM, SPKI PEM or bare Base64 form: {0}")]
    Unreadable(String),
    #[error("not an RSA private key in PKCS#8 or PKCS#1 PEM form: {0}")]
    UnreadablePrivate(String),
}

/// A merchant's registered public key, parsed once.
pub struct PublicKey {
    rsa: RsaPublicKey,
    /// For PKCS#1 v1.5 SHA-256 (request signatures) and SHA-512 (the sandbox's tokens), when
    /// the key has at least 2048 bits; smaller keys are verified with `rsa`.
    sha256: Option<rs::ParsedPublicKey>,
    sha512: Option<rs::ParsedPublicKey>,
    /// The key in SPKI PEM form, as the admin API shows it back.
    pub pem: String,
    /// SHA-256 of the SPKI DER, hex; tells keys apart in journals without printing them.
    pub fingerprint: String,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({} bits, {})", self.bits(), self.fingerprint)
    }
}

impl PublicKey {
    /// Accepts SPKI PEM (`BEGIN PUBLIC KEY`), PKCS#1 PEM (`BEGIN RSA PUBLIC KEY`) or the bare
    /// Base64 body without BEGIN/END lines, which is how the Jenga console takes it.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.contains("PRIVATE KEY-----") {
            return Err(KeyError::PrivateKeyGiven);
        }
        let rsa = if text.contains("-----BEGIN") {
            RsaPublicKey::from_public_key_pem(text)
                .or_else(|_| RsaPublicKey::from_pkcs1_pem(text))
                .map_err(|e| KeyError::Unreadable(e.to_string()))?
        } else {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let der = STANDARD
                .decode(compact.as_bytes())
                .map_err(|e| KeyError::Unreadable(format!("bare key body is not Base64: {e}")))?;
            RsaPublicKey::from_public_key_der(&der)
                .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
                .map_err(|e| KeyError::Unreadable(e.to_string()))?
        };
        Ok(Self::from_rsa(rsa))
    }

    fn from_rsa(rsa: RsaPublicKey) -> Self {
        let der = rsa.to_public_key_der().map(|d| d.as_bytes().to_vec()).unwrap_or_default();
        let pem = rsa.to_public_key_pem(LineEnding::LF).unwrap_or_default();
        let parsed = |params: &'static rs::RsaParameters| {
            (rsa.size() >= 256).then(|| rs::ParsedPublicKey::new(params, &der).ok()).flatten()
        };
        Self {
            sha256: parsed(&rs::RSA_PKCS1_2048_8192_SHA256),
            sha512: parsed(&rs::RSA_PKCS1_2048_8192_SHA512),
            fingerprint: hex(&Sha256::digest(&der)),
            pem,
            rsa,
        }
    }

    pub fn bits(&self) -> usize {
        self.rsa.size() * 8
    }

    /// Checks a Base64 PKCS#1 v1.5 SHA-256 signature over `message`.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> Result<(), VerifyError> {
        let sig = decode_signature(signature_b64)?;
        if sig.len() != self.rsa.size() {
            // Hex digits are Base64 digits too: a hex signature decodes, to the wrong length.
            if looks_hex(signature_b64.trim()) && signature_b64.trim().len() == 2 * self.rsa.size() {
                return Err(NOT_BASE64_BUT_HEX);
            }
            return Err(VerifyError::WrongLength { got: sig.len(), expected: self.rsa.size() });
        }
        let ok = if let Some(key) = &self.sha256 {
            key.verify_sig(message, &sig).is_ok()
        } else {
            // The fast verifier refuses keys under 2048 bits; some old merchant keys are 1024.
            let key = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(self.rsa.clone());
            rsa::pkcs1v15::Signature::try_from(sig.as_slice())
                .map(|s| rsa::signature::Verifier::verify(&key, message, &s).is_ok())
                .unwrap_or(false)
        };
        if ok {
            Ok(())
        } else {
            Err(VerifyError::Mismatch)
        }
    }

    /// Opens a signature with the public key to see what was signed. Only used to explain a
    /// failure: a well-formed PKCS#1 block means the right key signed something else.
    pub fn recover(&self, signature_b64: &str) -> Recovered {
        let Ok(sig) = decode_signature(signature_b64) else {
            return Recovered::NotPkcs1;
        };
        let s = BigUint::from_bytes_be(&sig);
        if &s >= self.rsa.n() {
            return Recovered::NotPkcs1;
        }
        let m = s.modpow(self.rsa.e(), self.rsa.n()).to_bytes_be();
        let k = self.rsa.size();
        if m.len() + 1 != k || m[0] != 0x01 {
            return Recovered::NotPkcs1;
        }
        let Some(zero) = m.iter().skip(1).position(|&b| b != 0xff).map(|p| p + 1) else {
            return Recovered::NotPkcs1;
        };
        if m[zero] != 0 || zero < 9 {
            return Recovered::NotPkcs1;
        }
        let info = &m[zero + 1..];
        for (name, prefix) in DIGEST_INFOS {
            if info.len() > prefix.len() && info.starts_with(prefix) {
                return Recovered::Digest { algorithm: name, hash: info[prefix.len()..].to_vec() };
            }
        }
        Recovered::Digest { algorithm: "none (raw digest without DigestInfo)", hash: info.to_vec() }
    }
}

/// What a signature block holds, once opened with the registered public key.
#[derive(Debug, PartialEq)]
pub enum Recovered {
    /// Not a PKCS#1 v1.5 block under this key: signed with another key, or not a signature.
    NotPkcs1,
    Digest {
        algorithm: &'static str,
        hash: Vec<u8>,
    },
}

const DIGEST_INFOS: &[(&str, &[u8])] = &[
    (
        "SHA-256",
        &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
            0x20,
        ],
    ),
    ("SHA-1", &[0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14]),
    (
        "SHA-512",
        &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04,
            0x40,
        ],
    ),
    (
        "SHA-384",
        &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04,
            0x30,
        ],
    ),
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum VerifyError {
    #[error("the signature is not Base64{hint}")]
    NotBase64 { hint: &'static str },
    #[error("the signature is {got} bytes long; the registered key makes {expected}-byte signatures")]
    WrongLength { got: usize, expected: usize },
    #[error("the signature does not match the expected string")]
    Mismatch,
}

const NOT_BASE64_BUT_HEX: VerifyError =
    VerifyError::NotBase64 { hint: " (it looks hex-encoded; Base64-encode the raw signature bytes)" };

fn looks_hex(text: &str) -> bool {
    text.len().is_multiple_of(2) && text.chars().all(|c| c.is_ascii_hexdigit())
}

fn decode_signature(b64: &str) -> Result<Vec<u8>, VerifyError> {
    let b64 = b64.trim();
    if let Ok(sig) = STANDARD.decode(b64) {
        return Ok(sig);
    }
    if URL_SAFE.decode(b64).is_ok() || URL_SAFE_NO_PAD.decode(b64).is_ok() {
        return Err(VerifyError::NotBase64 {
            hint: " (it is URL-safe Base64; Jenga expects standard Base64 with + / and = padding)",
        });
    }
    if looks_hex(b64) {
        return Err(NOT_BASE64_BUT_HEX);
    }
    Err(VerifyError::NotBase64 { hint: "" })
}

/// Signs `message` the way Jenga clients do: PKCS#1 v1.5, SHA-256, standard Base64.
pub fn sign_sha256(key: &RsaPrivateKey, message: &[u8]) -> String {
    use rsa::signature::{SignatureEncoding, Signer};
    let signing = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone());
    STANDARD.encode(signing.sign(message).to_bytes())
}

pub fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, KeyError> {
    RsaPrivateKey::from_pkcs8_pem(pem.trim())
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| KeyError::UnreadablePrivate(e.to_string()))
}

/// A fresh RSA-2048 pair as (PKCS#8 private PEM, SPKI public PEM).
pub fn generate_pair() -> Result<(String, String), String> {
    let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| e.to_string())?;
    let private = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| e.to_string())?.to_string();
    let public = key.to_public_key().to_public_key_pem(LineEnding::LF).map_err(|e| e.to_string())?;
    Ok((private, public))
}

/// The process's generated token key, PKCS#8 PEM; the first caller generates it, any other
/// waits for that.
fn generated_pem() -> &'static str {
    static PEM: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PEM.get_or_init(|| {
        use aws_lc_rs::encoding::AsDer;
        let pair =
            aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA-2048 generation succeeds");
        let der: aws_lc_rs::encoding::Pkcs8V1Der = pair.as_der().expect("a generated key serialises");
        let key = RsaPrivateKey::from_pkcs8_der(der.as_ref()).expect("a generated key reads back");
        key.to_pkcs8_pem(LineEnding::LF).expect("a generated key serialises").to_string()
    })
}

/// The sandbox's own key: signs v3 access tokens (RS512) and, when enabled, callbacks.
pub struct IssuerKey {
    pair: rs::RsaKeyPair,
    public: PublicKey,
    /// PKCS#8 PEM, for the state file.
    pub pem: String,
}

impl IssuerKey {
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let key = parse_private_key(pem)?;
        let der = key.to_pkcs8_der().map_err(|e| KeyError::UnreadablePrivate(e.to_string()))?;
        let pair =
            rs::RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|e| KeyError::UnreadablePrivate(e.to_string()))?;
        let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| KeyError::UnreadablePrivate(e.to_string()))?;
        Ok(Self { pair, public: PublicKey::from_rsa(key.to_public_key()), pem: pem.to_string() })
    }

    /// A key made for this process: generated once (RSA-2048), then the same for every
    /// sandbox the process builds, so the test suite pays for it once. Waits for a generation
    /// `generate_in_background` started.
    pub fn generated() -> Self {
        Self::from_pem(generated_pem()).expect("a generated key reads back")
    }

    /// Starts generating the process's key on a thread of its own: an RSA-2048 key takes 20 to
    /// 150 ms to find, which the server's first answers need not wait for.
    pub fn generate_in_background() {
        static STARTED: std::sync::Once = std::sync::Once::new();
        STARTED.call_once(|| {
            std::thread::spawn(generated_pem);
        });
    }

    fn sign_with(&self, alg: &'static dyn rs::RsaEncoding, message: &[u8]) -> Vec<u8> {
        let mut out = vec![0; self.pair.public_modulus_len()];
        // Signing only fails for a buffer of the wrong size, which modulus_len rules out.
        let _ = self.pair.sign(alg, &aws_lc_rs::rand::SystemRandom::new(), message, &mut out);
        out
    }

    pub fn sign_rs512(&self, message: &[u8]) -> Vec<u8> {
        self.sign_with(&rs::RSA_PKCS1_SHA512, message)
    }

    pub fn sign_rs256(&self, message: &[u8]) -> Vec<u8> {
        self.sign_with(&rs::RSA_PKCS1_SHA256, message)
    }

    pub fn verify_rs512(&self, message: &[u8], signature: &[u8]) -> bool {
        self.public.sha512.as_ref().is_some_and(|key| key.verify_sig(message, signature).is_ok())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// The bundled test-only keys (fixtures/keys). Public, so never use them outside the sandbox.
pub mod fixtures {
    pub const MERCHANT_PRIVATE_PEM: &str = include_str!("../fixtures/keys/sandbox-private.pem");
    pub const MERCHANT_PUBLIC_PEM: &str = include_str!("../fixtures/keys/sandbox-public.pem");
    pub const ISSUER_PRIVATE_PEM: &str = include_str!("../fixtures/keys/issuer-private.pem");
    pub const ISSUER_PUBLIC_PEM: &str = include_str!("../fixtures/keys/issuer-public.pem");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merchant_key() -> RsaPrivateKey {
        parse_private_key(fixtures::MERCHANT_PRIVATE_PEM).unwrap()
    }

    #[test]
    fn a_signature_made_with_the_fixture_key_verifies_under_every_public_key_form() {
        let message = b"0170194290581MPS3883889822982254764555291Equitel5.00KES";
        let sig = sign_sha256(&merchant_key(), message);
        let spki = fixtures::MERCHANT_PUBLIC_PEM;
        let body: String = spki.lines().filter(|l| !l.starts_with("-----")).collect();
        let pkcs1 = {
            use rsa::pkcs1::EncodeRsaPublicKey;
            merchant_key().to_public_key().to_pkcs1_pem(LineEnding::LF).unwrap()
        };
        for text in [spki.to_string(), body, pkcs1] {
            let key = PublicKey::parse(&text).unwrap();
            assert_eq!(key.verify(message, &sig), Ok(()));
            assert_eq!(key.verify(b"something else", &sig), Err(VerifyError::Mismatch));
        }
    }

    #[test]
    fn a_private_key_is_refused_as_a_public_key() {
        assert_eq!(PublicKey::parse(fixtures::MERCHANT_PRIVATE_PEM).unwrap_err(), KeyError::PrivateKeyGiven);
    }

    #[test]
    fn recovering_a_signature_yields_the_signed_digest() {
        let key = PublicKey::parse(fixtures::MERCHANT_PUBLIC_PEM).unwrap();
        let sig = sign_sha256(&merchant_key(), b"KE1450160649886");
        assert_eq!(key.recover(&sig), Recovered::Digest { algorithm: "SHA-256", hash: sha256(b"KE1450160649886") });
        let issuer = IssuerKey::from_pem(fixtures::ISSUER_PRIVATE_PEM).unwrap();
        let foreign = STANDARD.encode(issuer.sign_rs256(b"KE1450160649886"));
        assert_eq!(key.recover(&foreign), Recovered::NotPkcs1);
    }

    #[test]
    fn hex_and_url_safe_signatures_are_named_as_such() {
        let key = PublicKey::parse(fixtures::MERCHANT_PUBLIC_PEM).unwrap();
        assert!(matches!(key.verify(b"x", "abcdef0123"), Err(VerifyError::NotBase64 { hint }) if hint.contains("hex")));
        assert!(matches!(key.verify(b"x", "ab-_"), Err(VerifyError::NotBase64 { hint }) if hint.contains("URL-safe")));
    }
}
