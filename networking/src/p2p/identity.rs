//! A node's network identity: an ed25519 key kept in its data dir, so the node keeps its peer
//! id across restarts.

use libp2p::identity::Keypair;
use std::io;
use std::path::Path;

/// Loads the key at `path`, or creates one there (readable by the owner only).
pub fn load_or_create(path: &Path) -> io::Result<Keypair> {
    match std::fs::read(path) {
        Ok(bytes) => Keypair::from_protobuf_encoding(&bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: not a libp2p key: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let key = Keypair::generate_ed25519();
            write_key(path, &key)?;
            Ok(key)
        }
        Err(e) => Err(e),
    }
}

/// Writes `key` to `path` (owner-only permissions where the platform has them).
pub fn write_key(path: &Path, key: &Keypair) -> io::Result<()> {
    let bytes = key.to_protobuf_encoding().map_err(io::Error::other)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    let mut file = options.open(path)?;
    file.write_all(&bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_survives_a_restart() -> io::Result<()> {
        let dir = std::env::temp_dir().join(format!("shardnode-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("network.key");
        let _ = std::fs::remove_file(&path);
        let first = load_or_create(&path)?;
        let again = load_or_create(&path)?;
        assert_eq!(first.public().to_peer_id(), again.public().to_peer_id());
        std::fs::write(&path, b"garbage")?;
        assert_eq!(
            load_or_create(&path).map(|_| ()).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        std::fs::remove_dir_all(&dir)
    }
}
