use std::path::PathBuf;
pub fn run(_dir: PathBuf) -> anyhow::Result<()> {
    anyhow::bail!("the TUI is not built yet")
}
