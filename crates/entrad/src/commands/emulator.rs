//! `entrad emulator`: the offline Entra + Graph emulator, as `entrad-emulator` runs it.

use entrad_emulator::EmulatorArgs;

use crate::error::Error;

/// Serves until SIGINT/SIGTERM; the ready line goes to stdout. A start that
/// fails leaves no directory behind that it created (`Emulator::start` sees to it).
pub async fn run(args: EmulatorArgs) -> Result<(), Error> {
    Ok(entrad_emulator::run(args).await?)
}
