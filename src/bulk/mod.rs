//! Whole folders of reports: finding the files ([`walk`]), loading each
//! ([`load`]), turning each into an outcome ([`convert`]), and running that
//! on many files in parallel with the results in input order ([`ordered`]);
//! and, before a run, finding the copies of one crash ([`copies`]).

pub mod convert;
pub mod copies;
pub mod load;
pub mod ordered;
pub mod walk;
