//! `--tenants FILE`: tenant ids or domains, one a line.

use std::path::Path;

use crate::error::Error;

/// The largest tenants file read (a million tenants of 64 bytes).
const MAX_BYTES: u64 = 64 << 20;

/// The tenants of `path`: blank lines and `#` comments skipped, duplicates once.
pub fn read(path: &Path) -> Result<Vec<String>, Error> {
    let bytes = entrad_auth::read_bounded(path, MAX_BYTES)
        .map_err(|e| Error::Config(format!("cannot read --tenants {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Config(format!("--tenants {}: not UTF-8 text", path.display())))?;
    parse(&text)
        .map_err(|message| Error::Config(format!("--tenants {}: {message}", path.display())))
}

fn parse(text: &str) -> Result<Vec<String>, String> {
    let mut tenants: Vec<String> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let tenant = line.split('#').next().unwrap_or_default().trim();
        if tenant.is_empty() {
            continue;
        }
        let valid = tenant.len() <= 256
            && tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !valid {
            return Err(format!(
                "line {}: `{tenant}` is not a tenant id or domain (letters, digits, '-', '.', '_')",
                number + 1
            ));
        }
        if !tenants.iter().any(|t| t.eq_ignore_ascii_case(tenant)) {
            tenants.push(tenant.to_owned());
        }
    }
    if tenants.is_empty() {
        return Err("no tenant in the file: one tenant id or domain a line".to_owned());
    }
    Ok(tenants)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_and_domains_and_skips_comments() {
        let text = "# fleet\ncontoso.onmicrosoft.com\n\n 11111111-2222-3333-4444-555555555555 # eu\nCONTOSO.onmicrosoft.com\n";
        assert_eq!(
            parse(text).unwrap(),
            [
                "contoso.onmicrosoft.com",
                "11111111-2222-3333-4444-555555555555"
            ]
        );
    }

    #[test]
    fn refuses_paths_and_empty_files() {
        assert!(parse("a/../b\n").unwrap_err().starts_with("line 1:"));
        assert!(parse("t?x=1").is_err());
        assert!(parse("# nothing\n\n").is_err());
    }
}
