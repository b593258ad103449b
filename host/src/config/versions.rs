//! Which version of a registry module serves: Viam's `version` values
//! (`"latest"`, `"latest-with-prerelease"`, an exact `"1.2.3"`) plus semver
//! ranges such as `"^1.2"`, resolved against a repository's tags. Tags that
//! are not semver (`main`, `latest`) are never picked.

use std::fmt;

use semver::{Version, VersionReq};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSpec {
    /// The highest release; prereleases are skipped (Viam's default).
    Latest,
    /// The highest version, prereleases included.
    LatestWithPrerelease,
    /// A pin: this version and no other, ever.
    Exact(Version),
    /// The highest version the requirement allows.
    Range(VersionReq),
}

#[derive(Debug, thiserror::Error)]
#[error(
    "{0:?} is not a version: give \"latest\", \"latest-with-prerelease\", an exact version such as \"1.2.3\" or a range such as \"^1.2\""
)]
pub struct BadSpec(String);

impl std::str::FromStr for VersionSpec {
    type Err = BadSpec;

    fn from_str(text: &str) -> Result<Self, BadSpec> {
        let t = text.trim();
        match t {
            "" | "latest" => return Ok(Self::Latest),
            "latest-with-prerelease" => return Ok(Self::LatestWithPrerelease),
            _ => {}
        }
        // "1.2.3" is a pin here, as in Viam; semver's own reading of a
        // bare version would be "^1.2.3", which moves.
        if let Ok(v) = Version::parse(t.strip_prefix('v').unwrap_or(t)) {
            return Ok(Self::Exact(v));
        }
        VersionReq::parse(t)
            .map(Self::Range)
            .map_err(|_| BadSpec(text.to_string()))
    }
}

impl fmt::Display for VersionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Latest => f.write_str("latest"),
            Self::LatestWithPrerelease => f.write_str("latest-with-prerelease"),
            Self::Exact(v) => write!(f, "{v}"),
            Self::Range(r) => write!(f, "{r}"),
        }
    }
}

impl VersionSpec {
    /// Whether a newer tag can change what serves; a pin never moves.
    pub fn tracks(&self) -> bool {
        !matches!(self, Self::Exact(_))
    }

    fn allows(&self, v: &Version) -> bool {
        match self {
            Self::Latest => v.pre.is_empty(),
            Self::LatestWithPrerelease => true,
            Self::Exact(want) => v == want,
            Self::Range(req) => req.matches(v),
        }
    }

    /// The highest allowed version among `tags`, with the tag it came from.
    pub fn pick<'a>(&self, tags: &'a [String]) -> Option<(Version, &'a str)> {
        tags.iter()
            .filter_map(|t| Some((tag_version(t)?, t.as_str())))
            .filter(|(v, _)| self.allows(v))
            .max_by(|a, b| a.0.cmp(&b.0))
    }
}

/// A tag's version: `1.2.3` or `v1.2.3`; None for tags that are not semver.
pub fn tag_version(tag: &str) -> Option<Version> {
    Version::parse(tag.strip_prefix('v').unwrap_or(tag)).ok()
}

/// The tag a version is pushed under. OCI tags cannot hold `+`, so build
/// metadata is refused rather than silently dropped (two builds would
/// collide on one tag).
pub fn tag_for(version: &Version) -> Result<String, String> {
    if !version.build.is_empty() {
        return Err(format!(
            "{version} has build metadata (+{}), which an OCI tag cannot hold; push it as {}.{}.{}{}",
            version.build,
            version.major,
            version.minor,
            version.patch,
            if version.pre.is_empty() {
                String::new()
            } else {
                format!("-{}", version.pre)
            }
        ));
    }
    Ok(version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn picked(spec: &str, list: &[&str]) -> Option<String> {
        let spec: VersionSpec = spec.parse().unwrap();
        let t = tags(list);
        spec.pick(&t).map(|(_, tag)| tag.to_string())
    }

    #[test]
    fn specs_pick_as_viam_does() {
        let all = ["1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1", "main", "latest", "v0.9.0"];
        assert_eq!(picked("latest", &all).as_deref(), Some("1.10.0"));
        assert_eq!(picked("latest-with-prerelease", &all).as_deref(), Some("2.0.0-rc.1"));
        assert_eq!(picked("1.2.0", &all).as_deref(), Some("1.2.0"));
        assert_eq!(picked("^1.2", &all).as_deref(), Some("1.10.0"));
        assert_eq!(picked("~1.2", &all).as_deref(), Some("1.2.0"));
        assert_eq!(picked("<1", &all).as_deref(), Some("v0.9.0"));
        assert_eq!(picked("1.3.0", &all), None);
        assert_eq!(
            picked("latest", &["main", "dev"]),
            None,
            "tags that are not semver are never picked"
        );
    }

    #[test]
    fn only_pins_stay_put() {
        assert!(!"1.2.3".parse::<VersionSpec>().unwrap().tracks());
        for s in ["latest", "latest-with-prerelease", "^1.2", ">=1, <3"] {
            assert!(s.parse::<VersionSpec>().unwrap().tracks(), "{s}");
        }
        assert!("banana".parse::<VersionSpec>().is_err());
    }

    #[test]
    fn build_metadata_has_no_tag() {
        assert_eq!(tag_for(&Version::parse("1.2.3-rc.1").unwrap()).unwrap(), "1.2.3-rc.1");
        let e = tag_for(&Version::parse("1.2.3+git.abc").unwrap()).unwrap_err();
        assert!(e.contains("1.2.3"), "{e}");
    }
}
