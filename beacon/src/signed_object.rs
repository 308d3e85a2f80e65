//! [`SignedObject`]: which signature of a block an error is about.

/// What a signature signs, for error messages. `operation` is the position in the block's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedObject {
    Block,
    RandaoReveal,
    ProposerSlashingHeader { operation: usize, header: u8 },
    AttesterSlashingAttestation { operation: usize, attestation: u8 },
    Attestation { operation: usize },
    VoluntaryExit { operation: usize },
    Transfer { operation: usize },
}

impl std::fmt::Display for SignedObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignedObject::Block => f.write_str("the block"),
            SignedObject::RandaoReveal => f.write_str("the RANDAO reveal"),
            SignedObject::ProposerSlashingHeader { operation, header } => {
                write!(f, "header_{header} of proposer slashing {operation}")
            }
            SignedObject::AttesterSlashingAttestation {
                operation,
                attestation,
            } => write!(
                f,
                "attestation_{attestation} of attester slashing {operation}"
            ),
            SignedObject::Attestation { operation } => write!(f, "attestation {operation}"),
            SignedObject::VoluntaryExit { operation } => write!(f, "voluntary exit {operation}"),
            SignedObject::Transfer { operation } => write!(f, "transfer {operation}"),
        }
    }
}
