//! Errors of storing a value in a [`Window`](super::Window).

use core::fmt;

use crate::PacketId;

/// The error of [`Window::insert`](crate::Window::insert) when the window is full: the value that was
/// not stored.
///
/// # Examples
///
/// ```
/// use mqtt_session::{Full, Window};
///
/// let mut window: Window<&str, 1> = Window::new();
/// window.insert("a").unwrap();
/// let Full(back) = window.insert("b").unwrap_err();
/// assert_eq!(back, "b");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> Full<T> {
    /// The value that was not stored.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::Full;
    ///
    /// assert_eq!(Full(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the inflight window is full")
    }
}

impl<T: fmt::Debug> core::error::Error for Full<T> {}

/// Why an id given by the caller could not be stored in a [`Window`](crate::Window).
///
/// # Examples
///
/// ```
/// use mqtt_session::InsertErrorKind;
///
/// assert_eq!(InsertErrorKind::IdInUse.to_string(), "the packet identifier is already in use");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InsertErrorKind {
    /// The window holds `cap()` entries already.
    Full,
    /// An entry is stored under this id already.
    IdInUse,
}

impl fmt::Display for InsertErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("the inflight window is full"),
            Self::IdInUse => f.write_str("the packet identifier is already in use"),
        }
    }
}

impl core::error::Error for InsertErrorKind {}

/// The error of [`Window::insert_with_id`](crate::Window::insert_with_id): why, and the value that was not
/// stored.
///
/// # Examples
///
/// ```
/// use mqtt_session::{InsertErrorKind, PacketId, Window};
///
/// let mut window: Window<&str, 1> = Window::new();
/// let id = window.insert("a").unwrap();
/// let err = window.insert_with_id(id, "b").unwrap_err();
/// assert_eq!((err.id, err.kind, err.value), (id, InsertErrorKind::IdInUse, "b"));
/// assert_eq!(
///     err.to_string(),
///     "cannot store packet identifier 1: the packet identifier is already in use"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsertError<T> {
    /// The id that was asked for.
    pub id: PacketId,
    /// Why it could not be stored.
    pub kind: InsertErrorKind,
    /// The value that was not stored.
    pub value: T,
}

impl<T> InsertError<T> {
    /// The value that was not stored.
    ///
    /// # Examples
    ///
    /// ```
    /// use mqtt_session::{PacketId, Window};
    ///
    /// let mut window: Window<u8, 1> = Window::new();
    /// window.insert(1).unwrap();
    /// let err = window.insert_with_id(PacketId::MAX, 2).unwrap_err();
    /// assert_eq!(err.into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> fmt::Display for InsertError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot store packet identifier {}: {}", self.id, self.kind)
    }
}

impl<T: fmt::Debug> core::error::Error for InsertError<T> {}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use super::*;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).expect("test ids are non-zero")
    }

    #[test]
    fn errors_display_in_words() {
        assert_eq!(alloc::format!("{}", Full(())), "the inflight window is full");
        let err = InsertError { id: id(9), kind: InsertErrorKind::Full, value: () };
        assert_eq!(alloc::format!("{err}"), "cannot store packet identifier 9: the inflight window is full");
    }
}
