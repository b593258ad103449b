//! Registry credentials: a JSON file, `{"username": …, "password": …}` or
//! `{"token": …}`, named by the config (`registries[].credentials_file`) or
//! the command line (`--credentials`). Their values are never printed:
//! `Debug` hides them, and errors name the file, not its contents.

use std::fmt;
use std::path::Path;

use oci_client::secrets::RegistryAuth;

#[derive(Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    #[default]
    Anonymous,
    Basic {
        username: String,
        password: String,
    },
    Bearer(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Anonymous => f.write_str("Anonymous"),
            Self::Basic { username, .. } => write!(f, "Basic({username:?}, <hidden>)"),
            Self::Bearer(_) => f.write_str("Bearer(<hidden>)"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("credentials file {file}: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("credentials file {file}: must be a JSON object with \"username\" and \"password\", or with \"token\"")]
    Shape { file: String },
}

#[derive(serde::Deserialize)]
struct FileForm {
    username: Option<String>,
    password: Option<String>,
    token: Option<String>,
}

impl Credentials {
    pub fn read(path: &Path) -> Result<Self, CredentialsError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CredentialsError::Read {
            file: file.clone(),
            source,
        })?;
        // serde's message could quote the file; say only what shape is wanted.
        let form: FileForm = serde_json::from_str(&text).map_err(|_| CredentialsError::Shape { file: file.clone() })?;
        match form {
            FileForm {
                username: Some(username),
                password: Some(password),
                token: None,
            } => Ok(Self::Basic { username, password }),
            FileForm {
                username: None,
                password: None,
                token: Some(token),
            } => Ok(Self::Bearer(token)),
            _ => Err(CredentialsError::Shape { file }),
        }
    }

    /// From `ARMATURE_REGISTRY_USERNAME` and `ARMATURE_REGISTRY_PASSWORD`,
    /// when both are set (the command line's alternative to a file).
    pub fn from_env() -> Option<Self> {
        let username = std::env::var("ARMATURE_REGISTRY_USERNAME").ok()?;
        let password = std::env::var("ARMATURE_REGISTRY_PASSWORD").ok()?;
        Some(Self::Basic { username, password })
    }

    pub fn is_anonymous(&self) -> bool {
        *self == Self::Anonymous
    }

    pub(crate) fn auth(&self) -> RegistryAuth {
        match self {
            Self::Anonymous => RegistryAuth::Anonymous,
            Self::Basic { username, password } => RegistryAuth::Basic(username.clone(), password.clone()),
            Self::Bearer(token) => RegistryAuth::Bearer(token.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.json");
        std::fs::write(&file, r#"{"username": "robot", "password": "hunter2"}"#).unwrap();
        let c = Credentials::read(&file).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        std::fs::write(&file, r#"{"username": "robot", "password": "hunter2", "token": "t"}"#).unwrap();
        let e = Credentials::read(&file).unwrap_err().to_string();
        assert!(e.contains("c.json") && !e.contains("hunter2"), "{e}");
        std::fs::write(&file, r#"{"password": "hunter2""#).unwrap();
        assert!(!Credentials::read(&file).unwrap_err().to_string().contains("hunter2"));
    }
}
