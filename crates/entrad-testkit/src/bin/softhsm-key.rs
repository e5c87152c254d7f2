//! `softhsm-key LABEL`: generates a key pair inside the SoftHSM2 token
//! `scripts/test` initialises ([`entrad_testkit::SoftHsm::generate_key`]:
//! never imported, its certificate signed by the token) and prints
//! `{"label": ..., "id": HEX, "certificate": PEM}`. For the Python package's
//! tests (crates/entrad-py/tests), which have no PKCS#11 binding of their own.

use std::process::ExitCode;

use entrad_testkit::SoftHsm;

fn main() -> ExitCode {
    let Some(label) = std::env::args().nth(1) else {
        eprintln!("usage: softhsm-key LABEL");
        return ExitCode::from(2);
    };
    let generated = SoftHsm::from_env().and_then(|hsm| hsm.generate_key(&label, 365));
    match generated {
        Ok(key) => {
            let answer = serde_json::json!({
                "label": key.label,
                "id": key.id_hex,
                "certificate": key.certificate_pem,
            });
            println!("{answer}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("softhsm-key: {e}");
            ExitCode::FAILURE
        }
    }
}
