//! Certificate files rotated in place while the client runs: the next token
//! request loads them again, and the emulator, which no longer knows the old
//! certificate, accepts the new one. No restart, no new client.

use std::path::Path;

use entrad_auth::Credential;
use entrad_testkit::InProcess;

use crate::support::{GRAPH, KEY_PEM, emulator_client};

fn load(key: &Path, cert: &Path) -> entrad_auth::Result<Credential> {
    let read =
        |p: &Path| std::fs::read(p).map_err(|e| entrad_auth::Error::Credential(e.to_string()));
    Credential::certificate_pem(&read(key)?, &read(cert)?)
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_files_replaced_on_disk_are_used_without_a_restart() {
    let emulator = InProcess::start(1).await.unwrap();
    let p = emulator.parameters("parameters.json");
    let client_id = p["client_id"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    std::fs::copy(emulator.dir.path().join("app-key.pem"), &key).unwrap();
    std::fs::copy(emulator.dir.path().join("app-cert.pem"), &cert).unwrap();
    let credential = {
        let (key, cert) = (key.clone(), cert.clone());
        Credential::reloading(
            load(&key, &cert).unwrap(),
            vec![key.clone(), cert.clone()],
            move || load(&key, &cert),
        )
    };
    let auth = emulator_client(&emulator, credential);
    auth.acquire_token(&[GRAPH]).await.unwrap();

    // Rotation: a new key and certificate are registered, the old certificate
    // is removed from the app, and the files are replaced (by a rename).
    let new_key = rcgen::KeyPair::from_pem(std::str::from_utf8(KEY_PEM).unwrap()).unwrap();
    let new_cert = rcgen::CertificateParams::new(vec!["rotated".into()])
        .unwrap()
        .self_signed(&new_key)
        .unwrap()
        .pem();
    let admin = emulator.admin();
    admin.add_certificate(client_id, &new_cert).await.unwrap();
    let old = emulator.parameters("parameters-certificate.json");
    let old = old["thumbprint"].as_str().unwrap();
    admin.remove_certificate(client_id, old).await.unwrap();
    for (path, content) in [(&key, KEY_PEM.to_vec()), (&cert, new_cert.into_bytes())] {
        let staged = path.with_extension("new");
        std::fs::write(&staged, content).unwrap();
        std::fs::rename(&staged, path).unwrap();
    }

    admin.reset_stats().await.unwrap();
    auth.forget_token(&[GRAPH]).await.unwrap();
    auth.acquire_token(&[GRAPH])
        .await
        .unwrap_or_else(|e| panic!("the rotated files were not used: {e:?}"));
    assert_eq!(admin.stats().await.unwrap().route("token"), 1);
}
