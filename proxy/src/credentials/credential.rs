//! [`Credential`]: what a user logged in with.

use super::secret::Secret;

/// Credentials for one registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A user name and password: sent as HTTP Basic to a registry that asks
    /// for it, or to the token service of a registry that uses tokens.
    Password {
        /// The user name.
        username: String,
        /// The password (or a personal access token used as one).
        password: Secret,
    },
    /// An identity token: an OAuth2 refresh token that an OAuth-capable
    /// registry handed out at login, exchanged for access tokens.
    IdentityToken {
        /// The user name stored beside it (may be empty).
        username: String,
        /// The refresh token.
        token: Secret,
    },
}

impl Credential {
    /// A user name and password.
    pub fn password(username: impl Into<String>, password: impl Into<Secret>) -> Credential {
        Credential::Password {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The user name.
    pub fn username(&self) -> &str {
        match self {
            Credential::Password { username, .. } | Credential::IdentityToken { username, .. } => {
                username
            }
        }
    }
}
