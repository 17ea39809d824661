//! lever-macros
