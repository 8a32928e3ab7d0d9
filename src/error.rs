//! The library's one error type.
//!
//! Errors are grouped by concern, as the `image` crate does it: reading the input
//! ([`Error::Decode`], [`Error::Limits`]), writing the output ([`Error::Encode`],
//! [`Error::OutputExists`]), plain I/O ([`Error::Io`]), bad parameters ([`Error::Parameter`]) and
//! numerical failure ([`Error::NoConvergence`], [`Error::NonFinite`]). The `Display` text is one
//! lowercase clause without the file name: the front end prefixes the path it was working on.

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in the library.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system error while reading or writing a file.
    Io {
        /// What was being done ("cannot read", "cannot create a temporary file in …").
        action: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The input is not an image, or is a broken one.
    Decode(String),
    /// The input is larger than the configured limits allow.
    Limits(String),
    /// The output could not be encoded in the requested format.
    Encode(String),
    /// The output file exists and replacing it was not allowed.
    OutputExists(PathBuf),
    /// A parameter is out of its range or does not fit the input.
    Parameter(String),
    /// The input contains NaN or infinite samples.
    NonFinite(String),
    /// The SVD did not converge.
    NoConvergence(String),
    /// An error about a file other than the input (an output, a report): that file and what
    /// went wrong with it.
    InFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: Box<Error>,
    },
}

/// `Result` with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { action, source } => write!(f, "{action}: {}", io_message(source)),
            Error::Decode(m) | Error::Limits(m) | Error::Encode(m) | Error::Parameter(m) => {
                f.write_str(m)
            }
            Error::OutputExists(p) => write!(f, "output {} already exists", p.display()),
            Error::InFile { error, .. } => error.fmt(f),
            Error::NonFinite(m) => write!(f, "contains non-finite samples: {m}"),
            Error::NoConvergence(m) => write!(f, "the SVD did not converge: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::InFile { error, .. } => error.source(),
            _ => None,
        }
    }
}

/// The OS message without Rust's " (os error N)" suffix, lowercased like the rest.
fn io_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

impl Error {
    /// `self`, as an error about the file at `path` (an output, not the input).
    #[must_use]
    pub fn in_file(self, path: &Path) -> Self {
        match self {
            e @ Error::InFile { .. } => e,
            e => Error::InFile {
                path: path.to_path_buf(),
                error: Box::new(e),
            },
        }
    }

    /// [`Error::in_file`] as a closure for `map_err`: `.map_err(Error::about(output))`.
    pub fn about(path: &Path) -> impl Fn(Error) -> Error + '_ {
        move |e| e.in_file(path)
    }

    /// The file this error is about when it is not the input.
    #[must_use]
    pub fn file(&self) -> Option<&Path> {
        match self {
            Error::InFile { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The error itself, without the file it is about.
    #[must_use]
    pub fn cause(&self) -> &Error {
        match self {
            Error::InFile { error, .. } => error.cause(),
            e => e,
        }
    }

    /// An I/O error with a description of what was being done.
    pub(crate) fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            action: action.into(),
            source,
        }
    }

    /// Maps an `image` crate error met while decoding to ours, with a clear cause.
    pub(crate) fn from_decoding(e: image::ImageError) -> Self {
        use image::ImageError as E;
        match e {
            E::Limits(l) => Error::Limits(format!("image exceeds the decoder's limits ({l})")),
            E::Unsupported(u) => Error::Decode(format!("unsupported image: {u}")),
            E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                Error::Decode("truncated image (unexpected end of file)".into())
            }
            E::IoError(io) => Error::io("cannot read", io),
            E::Decoding(d) => Error::Decode(format!("corrupt or truncated image ({d})")),
            E::Parameter(p) => Error::Decode(format!("corrupt image ({p})")),
            E::Encoding(en) => Error::Decode(format!("corrupt image ({en})")),
        }
    }
}
