//! The project a phone belongs to, as the app ships it: the root key, the project id and the
//! project's signed trust list at the time the app was built.
//!
//! One root key may sign the trust lists of several projects (a Land running more than one
//! card programme). The root key alone therefore does not say which project's feed a phone
//! follows: the project id is pinned next to it, and a trust list of another project is
//! refused however well it is signed. The shipped trust list is the floor a fresh phone starts
//! from: it verifies cards before any sync, and no feed can offer an older one.

use crate::error::{Error, Result};
use crate::trust::list::TrustList;
use ed25519_dalek::VerifyingKey;

/// The app's pinned project. Made only by [`ProjectPin::new`], which checks the shipped trust
/// list, so a misconfigured app fails when it opens its feed store, not at the first sync.
#[derive(Clone, Debug)]
pub struct ProjectPin {
    root: VerifyingKey,
    project_id: u32,
    trust_list: Vec<u8>,
    floor: TrustList,
}

impl ProjectPin {
    /// Checks that `trust_list` is signed by `root` and names `project_id`.
    ///
    /// An expired shipped list is accepted: an app installed long after its build must still
    /// open. It stays the version floor, and it verifies cards as an expired synced list does,
    /// with the `TrustListExpired` flag, until a sync brings a current one.
    pub fn new(root: VerifyingKey, project_id: u32, trust_list: Vec<u8>) -> Result<ProjectPin> {
        let floor = TrustList::verify(&trust_list, &root).map_err(|e| {
            Error::BadProjectPin(format!(
                "the shipped trust list does not verify against the root key ({e})"
            ))
        })?;
        if floor.project_id != project_id {
            return Err(Error::BadProjectPin(format!(
                "the shipped trust list is of project {}, not of project {project_id}",
                floor.project_id
            )));
        }
        Ok(ProjectPin {
            root,
            project_id,
            trust_list,
            floor,
        })
    }

    pub fn root(&self) -> VerifyingKey {
        self.root
    }

    pub fn project_id(&self) -> u32 {
        self.project_id
    }

    /// The shipped trust list as signed bytes.
    pub fn trust_list_bytes(&self) -> &[u8] {
        &self.trust_list
    }

    /// The shipped trust list, checked.
    pub fn floor(&self) -> &TrustList {
        &self.floor
    }

    /// Refuses a root-signed `list` of another project.
    pub fn check(&self, what: &'static str, list: &TrustList) -> Result<()> {
        check_project(what, list, self.project_id)
    }
}

/// Refuses `list` unless it names `pinned`.
pub fn check_project(what: &'static str, list: &TrustList, pinned: u32) -> Result<()> {
    if list.project_id == pinned {
        Ok(())
    } else {
        Err(Error::WrongProject {
            what,
            offered: list.project_id,
            pinned,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::IssuerKey;

    fn signed(root: &IssuerKey, project: u32) -> Vec<u8> {
        let mut list = TrustList::new(project);
        list.version = 2;
        list.expires_at = 2_000_000_000;
        list.sign(root).unwrap()
    }

    #[test]
    fn the_shipped_list_must_be_the_roots_and_the_projects() {
        let root = IssuerKey::generate().unwrap();
        let pin = ProjectPin::new(root.public_key(), 1, signed(&root, 1)).unwrap();
        assert_eq!(pin.floor().version, 2);
        assert_eq!(pin.project_id(), 1);

        let other_root = IssuerKey::generate().unwrap();
        for (bytes, expected) in [
            (signed(&other_root, 1), "does not verify"),
            (signed(&root, 2), "of project 2, not of project 1"),
            (b"garbage".to_vec(), "does not verify"),
        ] {
            let err = ProjectPin::new(root.public_key(), 1, bytes).unwrap_err();
            assert!(matches!(err, Error::BadProjectPin(_)), "{err}");
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn another_projects_list_is_refused() {
        let root = IssuerKey::generate().unwrap();
        let pin = ProjectPin::new(root.public_key(), 1, signed(&root, 1)).unwrap();
        let other = TrustList::verify(&signed(&root, 2), &root.public_key()).unwrap();
        let err = pin.check("trust list", &other).unwrap_err();
        assert!(
            matches!(
                err,
                Error::WrongProject {
                    offered: 2,
                    pinned: 1,
                    ..
                }
            ),
            "{err}"
        );
        assert!(pin.check("trust list", pin.floor()).is_ok());
    }
}
