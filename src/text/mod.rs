//! Text: the Arabic front end. Printed text in, what will be said out.
pub mod diacritize;
pub mod months;
pub mod normalize;

pub use normalize::normalize;
pub mod verbalize;
