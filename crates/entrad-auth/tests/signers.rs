//! Who signs the client assertion, checked by the real emulator over TLS: a
//! callback signer (a remote signing service) for RS256 and PS256; certificates
//! near their end (one warning per process) and past it (an error before any
//! request); a credential list skipping an expired certificate.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use entrad_auth::{CallbackSigner, Credential, KeyStorage, SignatureAlgorithm};
use entrad_testkit::InProcess;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaKeyPair};

use crate::support::{Captured, GRAPH, KEY_PEM};

use crate::support::emulator_client as client;

fn pem_der(pem: &[u8]) -> Vec<u8> {
    match rustls_pemfile::read_one(&mut &pem[..]).unwrap().unwrap() {
        rustls_pemfile::Item::X509Certificate(der) => der.to_vec(),
        rustls_pemfile::Item::Pkcs8Key(der) => der.secret_pkcs8_der().to_vec(),
        _ => panic!("unexpected PEM"),
    }
}

async fn token_requests(emulator: &InProcess) -> u64 {
    emulator.admin().stats().await.unwrap().route("token")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_callback_signer_signs_rs256_and_ps256_assertions_the_emulator_accepts() {
    let emulator = InProcess::start(1).await.unwrap();
    let key_der = pem_der(&std::fs::read(emulator.dir.path().join("app-key.pem")).unwrap());
    let cert_der = pem_der(&std::fs::read(emulator.dir.path().join("app-cert.pem")).unwrap());
    for algorithm in [SignatureAlgorithm::Rs256, SignatureAlgorithm::Ps256] {
        let calls = Arc::new(AtomicU32::new(0));
        let seen = calls.clone();
        let key = Arc::new(RsaKeyPair::from_pkcs8(&key_der).unwrap());
        // A remote service: the signature comes back later, from another thread.
        let signer = CallbackSigner::new(move |alg, message| {
            let key = key.clone();
            let seen = seen.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    seen.fetch_add(1, Ordering::SeqCst);
                    let encoding: &'static dyn ring::signature::RsaEncoding = match alg {
                        SignatureAlgorithm::Rs256 => &RSA_PKCS1_SHA256,
                        _ => &RSA_PSS_SHA256,
                    };
                    let mut signature = vec![0; key.public().modulus_len()];
                    key.sign(encoding, &SystemRandom::new(), &message, &mut signature)
                        .unwrap();
                    Ok(signature)
                })
                .await
                .unwrap()
            }
        });
        let credential = Credential::signer(signer, cert_der.clone(), algorithm).unwrap();
        assert_eq!(credential.key_storage(), Some(KeyStorage::Remote));
        let token = client(&emulator, credential)
            .acquire_token(&[GRAPH])
            .await
            .unwrap_or_else(|e| panic!("{algorithm:?}: {e:?}"));
        assert!(!token.from_cache());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{algorithm:?}");
    }

    // A signature by another key is refused by the emulator (AADSTS700027).
    let wrong = CallbackSigner::new(|_, _| async { Ok(vec![7u8; 256]) });
    let credential = Credential::signer(wrong, cert_der, SignatureAlgorithm::Ps256).unwrap();
    let e = client(&emulator, credential)
        .acquire_token(&[GRAPH])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("AADSTS700027"), "{e}");
}

/// A certificate for the fixture key, valid from `from` to `to` days from now.
fn certificate(from: i64, to: i64) -> String {
    let key = rcgen::KeyPair::from_pem(std::str::from_utf8(KEY_PEM).unwrap()).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["entrad-rotation".into()]).unwrap();
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now + time::Duration::days(from);
    params.not_after = now + time::Duration::days(to);
    params.self_signed(&key).unwrap().pem()
}

#[tokio::test]
async fn an_expired_certificate_is_an_error_before_any_request() {
    let emulator = InProcess::start(1).await.unwrap();
    emulator.admin().reset_stats().await.unwrap();
    let credential =
        Credential::certificate_pem(KEY_PEM, certificate(-400, -1).as_bytes()).unwrap();
    let e = client(&emulator, credential)
        .acquire_token(&[GRAPH])
        .await
        .unwrap_err();
    let message = e.to_string();
    assert!(message.contains("the certificate (x5t#S256 "), "{message}");
    assert!(message.contains(") expired on "), "{message}");
    assert!(message.contains("register a new certificate"), "{message}");
    assert_eq!(e.kind(), entrad_auth::ErrorKind::Config);
    assert_eq!(
        token_requests(&emulator).await,
        0,
        "no token request was sent"
    );

    // In a list, the expired certificate is passed over for the next credential.
    let p = emulator.parameters("parameters.json");
    let list = Credential::list(vec![
        Credential::certificate_pem(KEY_PEM, certificate(-400, -1).as_bytes()).unwrap(),
        Credential::secret(p["secret"].as_str().unwrap()),
    ])
    .unwrap();
    client(&emulator, list)
        .acquire_token(&[GRAPH])
        .await
        .unwrap();
    assert_eq!(token_requests(&emulator).await, 1);
}

#[tokio::test]
async fn a_certificate_expiring_within_30_days_is_warned_about_once() {
    let emulator = InProcess::start(1).await.unwrap();
    let pem = certificate(-1, 10);
    let p = emulator.parameters("parameters.json");
    let client_id = p["client_id"].as_str().unwrap();
    emulator
        .admin()
        .add_certificate(client_id, &pem)
        .await
        .unwrap();
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber());
    let auth = client(
        &emulator,
        Credential::certificate_pem(KEY_PEM, pem.as_bytes()).unwrap(),
    );
    for _ in 0..3 {
        auth.acquire_token(&[GRAPH]).await.unwrap();
        auth.forget_token(&[GRAPH]).await.unwrap();
    }
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let warnings = log
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("expires within 30 days"))
        .count();
    assert_eq!(warnings, 1, "{log}");
    assert!(
        log.contains("days_left=9") || log.contains("days_left=10"),
        "{log}"
    );

    // One with more than 30 days left is not warned about.
    let far = certificate(-1, 90);
    emulator
        .admin()
        .add_certificate(client_id, &far)
        .await
        .unwrap();
    let auth = client(
        &emulator,
        Credential::certificate_pem(KEY_PEM, far.as_bytes()).unwrap(),
    );
    auth.acquire_token(&[GRAPH]).await.unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert_eq!(log.matches("expires within 30 days").count(), 1, "{log}");
}
