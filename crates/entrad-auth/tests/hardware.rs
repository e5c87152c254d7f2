//! A key that never leaves the SoftHSM2 token scripts/test initialises: generated
//! inside it, its certificate signed by it and registered on the app, then used by
//! `Credential::pkcs11` for RS256 and PS256 assertions the emulator verifies; the
//! signer logs in again when the token's login is lost.

use entrad_auth::{Credential, KeyStorage, Pkcs11Key, Pkcs11KeyRef, SignatureAlgorithm};
use entrad_testkit::{InProcess, SoftHsm};

use crate::support::{GRAPH, emulator_client};

#[tokio::test(flavor = "multi_thread")]
async fn a_token_key_signs_rs256_and_ps256_and_survives_a_lost_login() {
    let hsm = SoftHsm::from_env().unwrap_or_else(|e| panic!("{e}"));
    let label = format!("entrad-auth-{}", uuid::Uuid::new_v4().simple());
    let key = hsm.generate_key(&label, 365).unwrap();
    let flags = hsm.key_flags(&label).unwrap();
    assert!(!flags.extractable && flags.sensitive, "{flags:?}");
    let emulator = InProcess::start(1).await.unwrap();
    let p = emulator.parameters("parameters.json");
    let admin = emulator.admin();
    admin
        .add_certificate(p["client_id"].as_str().unwrap(), &key.certificate_pem)
        .await
        .unwrap();
    for algorithm in [SignatureAlgorithm::Rs256, SignatureAlgorithm::Ps256] {
        let config = Pkcs11Key::new(
            &hsm.module,
            Pkcs11KeyRef::parse(&label),
            hsm.pin.clone().into(),
        )
        .token(hsm.token.clone());
        assert!(!format!("{config:?}").contains(&hsm.pin));
        let credential = Credential::pkcs11(&config, algorithm).unwrap();
        assert_eq!(
            credential.key_storage(),
            Some(KeyStorage::Hardware {
                token: hsm.token.clone(),
                key: label.clone(),
            })
        );
        assert!(!format!("{credential:?}").contains(&hsm.pin));
        let auth = emulator_client(&emulator, credential);
        auth.acquire_token(&[GRAPH])
            .await
            .unwrap_or_else(|e| panic!("{algorithm:?}: {e:?}"));

        // The token forgets the login (a restart, an operator): the signer
        // opens a new session and logs in again.
        hsm.log_out().unwrap();
        admin.reset_stats().await.unwrap();
        auth.forget_token(&[GRAPH]).await.unwrap();
        auth.acquire_token(&[GRAPH])
            .await
            .unwrap_or_else(|e| panic!("{algorithm:?} after the logout: {e:?}"));
        assert_eq!(admin.stats().await.unwrap().route("token"), 1);
    }
}
