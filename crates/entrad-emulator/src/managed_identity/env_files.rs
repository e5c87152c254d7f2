//! `mi-<source>.env` in the state directory: each source's environment, as
//! the platform would set it (`NAME=value` lines, mode 0600: they hold the
//! sources' secrets).

use super::info::ManagedIdentityInfo;
use super::mi_state::MiState;
use crate::error::Result;
use crate::files::{StateDir, write_atomic};

/// The env file names, one per source.
pub const ENV_FILES: [&str; 6] = [
    "mi-imds.env",
    "mi-app-service.env",
    "mi-arc.env",
    "mi-service-fabric.env",
    "mi-machine-learning.env",
    "mi-cloud-shell.env",
];

pub(crate) fn write(
    dir: &StateDir,
    info: &ManagedIdentityInfo,
    state: &MiState,
    thumbprint: &str,
) -> Result<()> {
    let url = &info.url;
    let secrets = &state.secrets;
    let files: [(&str, Vec<(&str, String)>); 6] = [
        (
            ENV_FILES[0],
            vec![("AZURE_POD_IDENTITY_AUTHORITY_HOST", url.clone())],
        ),
        (
            ENV_FILES[1],
            vec![
                ("IDENTITY_ENDPOINT", format!("{url}/msi/token")),
                ("IDENTITY_HEADER", secrets.app_service.clone()),
            ],
        ),
        (
            ENV_FILES[2],
            vec![
                (
                    "IDENTITY_ENDPOINT",
                    format!("{url}/arc/metadata/identity/oauth2/token"),
                ),
                ("IMDS_ENDPOINT", format!("{url}/arc")),
                (
                    "ENTRAD_AZURE_ARC_KEY_DIR",
                    state.arc_keys.dir().display().to_string(),
                ),
            ],
        ),
        (
            ENV_FILES[3],
            vec![
                ("IDENTITY_ENDPOINT", info.service_fabric_url.clone()),
                ("IDENTITY_HEADER", secrets.service_fabric.clone()),
                ("IDENTITY_SERVER_THUMBPRINT", thumbprint.to_string()),
            ],
        ),
        (
            ENV_FILES[4],
            vec![
                ("MSI_ENDPOINT", format!("{url}/ml/token")),
                ("MSI_SECRET", secrets.machine_learning.clone()),
            ],
        ),
        (
            ENV_FILES[5],
            vec![("MSI_ENDPOINT", format!("{url}/cloudshell/token"))],
        ),
    ];
    for (name, vars) in files {
        let text: String = vars.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        write_atomic(&dir.file(name), text.as_bytes(), true)?;
    }
    Ok(())
}
